package parley.chat;

import java.util.List;

/**
 * What the chat core decided a line of input means. The transport-independent service carries it
 * out.
 */
public sealed interface Action {

  /**
   * Calls the handler's method for this kind: one method per kind, so that none can be forgotten.
   */
  <R> R accept(Handler<R> handler);

  /** Nothing to do (an empty line). */
  record None() implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.none(this);
    }
  }

  /** Reply to the sender only, with notice lines. */
  record Notice(List<String> lines) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.notice(this);
    }
  }

  /** Reply to the sender only, with an error. */
  record Error(ErrorCode errorCode, String message) implements Action {
    /** The wire code, e.g. {@code usage}. */
    public String code() {
      return errorCode.code();
    }

    @Override
    public <R> R accept(Handler<R> v) {
      return v.error(this);
    }
  }

  record Say(String room, String text) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.say(this);
    }
  }

  record Me(String room, String text) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.me(this);
    }
  }

  record ChangeNick(String nick) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.changeNick(this);
    }
  }

  record Who(String room) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.who(this);
    }
  }

  record Quit(String reason) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.quit(this);
    }
  }

  record Join(String room) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.join(this);
    }
  }

  record Leave(String room) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.leave(this);
    }
  }

  record Rooms() implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.rooms(this);
    }
  }

  /** Show ({@code text == null}) or set the topic. */
  record Topic(String room, String text) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.topic(this);
    }
  }

  record Msg(String nick, String text) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.msg(this);
    }
  }

  record History(String room, int count) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.history(this);
    }
  }

  /** A display preference of the sender's own session: {@code color}, {@code ascii}. */
  record Preference(String name, boolean on) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.preference(this);
    }
  }

  record Op(String password) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.op(this);
    }
  }

  record Kick(String nick, String reason) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.kick(this);
    }
  }

  /** Ban a nickname's address, or an address; {@code seconds == 0} means until unbanned. */
  record Ban(String target, long seconds) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.ban(this);
    }
  }

  record Unban(String target) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.unban(this);
    }
  }

  record Mute(String nick, long seconds) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.mute(this);
    }
  }

  /** {@code /grant} ({@code granted}) or {@code /revoke} a role of the account {@code name}. */
  record SetRole(String name, Role role, boolean granted) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.setRole(this);
    }
  }

  // ---- accounts: the records hold passwords, so their toString never shows them ----

  /** Register the session's nickname with this password. */
  record Register(String password) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.register(this);
    }

    @Override
    public String toString() {
      return "Register[password hidden]";
    }
  }

  /** Log in to the account of the session's nickname. */
  record Identify(String password) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.identify(this);
    }

    @Override
    public String toString() {
      return "Identify[password hidden]";
    }
  }

  /** Change the logged-in account's password. */
  record ChangePassword(String oldPassword, String newPassword) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.changePassword(this);
    }

    @Override
    public String toString() {
      return "ChangePassword[passwords hidden]";
    }
  }

  /** Log out of the account; the session stays, as a guest. */
  record Logout() implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.logout(this);
    }
  }

  /** Delete the logged-in account, confirmed with its password. */
  record DropAccount(String password) implements Action {
    @Override
    public <R> R accept(Handler<R> v) {
      return v.dropAccount(this);
    }

    @Override
    public String toString() {
      return "DropAccount[password hidden]";
    }
  }

  /** One method per kind. */
  interface Handler<R> {
    R none(None x);

    R notice(Notice x);

    R error(Error x);

    R say(Say x);

    R me(Me x);

    R changeNick(ChangeNick x);

    R who(Who x);

    R quit(Quit x);

    R join(Join x);

    R leave(Leave x);

    R rooms(Rooms x);

    R topic(Topic x);

    R msg(Msg x);

    R history(History x);

    R preference(Preference x);

    R op(Op x);

    R kick(Kick x);

    R ban(Ban x);

    R unban(Unban x);

    R mute(Mute x);

    R register(Register x);

    R identify(Identify x);

    R changePassword(ChangePassword x);

    R logout(Logout x);

    R dropAccount(DropAccount x);

    R setRole(SetRole x);
  }
}
