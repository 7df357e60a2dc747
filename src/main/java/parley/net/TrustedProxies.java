package parley.net;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses of the proxies in front of Parley ({@code proxy.trustedAddresses}): the only peers
 * whose PROXY protocol header or X-Forwarded-For header is believed. Immutable.
 */
public final class TrustedProxies {
  private final List<IpSubnetFilterRule> ranges;

  private TrustedProxies(List<IpSubnetFilterRule> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  /**
   * @param entries addresses and CIDR ranges, already checked by the config
   */
  public static TrustedProxies of(List<String> entries) {
    List<IpSubnetFilterRule> ranges = new ArrayList<>();
    for (String entry : entries) {
      int slash = entry.indexOf('/');
      String ip = slash < 0 ? entry : entry.substring(0, slash);
      int bits =
          slash >= 0
              ? Integer.parseInt(entry.substring(slash + 1))
              : NetUtil.isValidIpV4Address(ip) ? 32 : 128;
      ranges.add(new IpSubnetFilterRule(ip, bits, IpFilterRuleType.ACCEPT));
    }
    return new TrustedProxies(ranges);
  }

  /** Whether no proxy is trusted: PROXY protocol and X-Forwarded-For are off. */
  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  public boolean trusts(InetAddress address) {
    InetSocketAddress a = new InetSocketAddress(address, 0);
    for (IpSubnetFilterRule range : ranges) {
      if (range.matches(a)) {
        return true;
      }
    }
    return false;
  }
}
