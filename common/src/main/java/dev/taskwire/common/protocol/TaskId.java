package dev.taskwire.common.protocol;

import java.util.Objects;
import java.util.UUID;

/**
 * The id of a task: a UUID made by the master. Kept as the text received, because a reference
 * master's ids are only promised to be strings; but only {@link #MAX_LENGTH} printable ASCII
 * characters at most, so that an id from the wire cannot forge a log line or fill memory.
 */
public record TaskId(String value) {
  /** The longest task id accepted (a UUID is 36). */
  public static final int MAX_LENGTH = 128;

  public TaskId {
    Objects.requireNonNull(value, "value == null");
    if (value.isEmpty() || value.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("task id must be 1 to " + MAX_LENGTH + " characters, got " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException("task id must be printable ASCII without spaces, got character " + (int) c + " at " + i);
      }
    }
  }

  /** A fresh random id. */
  public static TaskId random() {
    return new TaskId(UUID.randomUUID().toString());
  }

  /**
   * The id with text {@code value}.
   *
   * @throws IllegalArgumentException if it is empty, longer than {@link #MAX_LENGTH} or not printable ASCII
   */
  public static TaskId parse(String value) {
    return new TaskId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
