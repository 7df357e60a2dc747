package parley.chat;

/**
 * A room as {@code /rooms} lists it: its name, how many members it has, and its topic (null for
 * none).
 */
public record RoomInfo(String name, int members, String topic) {}
