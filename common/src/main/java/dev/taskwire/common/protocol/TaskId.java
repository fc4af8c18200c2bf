package dev.taskwire.common.protocol;

import java.util.Objects;
import java.util.UUID;

/**
 * The id of a task: a UUID made by the master. Kept as the text received, because a reference
 * master's ids are only promised to be strings.
 */
public record TaskId(String value) {
  public TaskId {
    Objects.requireNonNull(value, "value == null");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("task id is empty");
    }
  }

  /** A fresh random id. */
  public static TaskId random() {
    return new TaskId(UUID.randomUUID().toString());
  }

  /** The id with text {@code value}. */
  public static TaskId parse(String value) {
    return new TaskId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
