package dev.taskwire.common.protocol;

import dev.taskwire.common.util.LogSafe;
import dev.taskwire.common.util.SimpleNames;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The rule for labels, what a slave announces and a job requires ({@code gpu}, {@code zone=eu}): 1
 * to {@value #MAX_LENGTH} characters of ASCII letters, digits and {@code . _ - : = /}, the first a
 * letter or a digit; at most {@value #MAX_LABELS} on one slave or job. A label is matched as a whole
 * string: {@code zone=eu} is one label, not a key and a value.
 */
public final class Labels {
  /** The longest label. */
  public static final int MAX_LENGTH = 64;
  /** The most labels one slave announces or one job requires. */
  public static final int MAX_LABELS = 32;
  /** The rule as error messages state it. */
  public static final String RULE = "a label must be 1 to " + MAX_LENGTH
      + " characters of ASCII letters, digits and . _ - : = /, starting with a letter or digit";

  private Labels() {}

  /** Whether {@code label} follows the rule. */
  public static boolean isValid(String label) {
    return SimpleNames.isValid(label, MAX_LENGTH, "._-:=/");
  }


  /**
   * {@code labels} sorted and without repeats, if each follows the rule and there are at most
   * {@value #MAX_LABELS}.
   *
   * @throws IllegalArgumentException naming the first label that breaks the rule, escaped
   */
  public static List<String> require(Collection<String> labels) {
    Objects.requireNonNull(labels, "labels == null");
    TreeSet<String> sorted = new TreeSet<>();
    for (String label : labels) {
      if (!isValid(label)) {
        throw new IllegalArgumentException(RULE + "; got \"" + LogSafe.escape(String.valueOf(label)) + "\"");
      }
      sorted.add(label);
    }
    if (sorted.size() > MAX_LABELS) {
      throw new IllegalArgumentException("at most " + MAX_LABELS + " labels, got " + sorted.size());
    }
    return List.copyOf(sorted);
  }

  /**
   * What a peer announced, kept only as far as it follows the rule (a peer's list is not trusted):
   * the valid labels, sorted, at most {@value #MAX_LABELS}.
   */
  public static List<String> lenient(Collection<?> announced) {
    TreeSet<String> sorted = new TreeSet<>();
    for (Object label : announced) {
      if (label instanceof String text && isValid(text) && sorted.size() < MAX_LABELS) {
        sorted.add(text);
      }
    }
    return List.copyOf(sorted);
  }
}
