package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.common.protocol.Labels;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.scheduler.JobOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of a job submitted to the scheduler ({@code submit} without a connection name), as
 * one picocli mixin. Each option left out takes the master's default ({@link JobOptions}); {@code
 * --timeout} is {@code submit}'s own, as it applies to tasks too.
 */
final class JobFlags {
  /** The long names of these options, for the check that they are not given with a connection name. */
  static final List<String> NAMES =
      List.of("--priority", "--group", "--label", "--queue-timeout", "--deadline", "--attempts", "--retry-on", "--lease");

  @Option(names = "--priority", paramLabel = "N", description = "Job: higher runs first (default: ${DEFAULT-VALUE}).")
  Integer priority;

  @Option(names = "--group", paramLabel = "GROUP", description = "Job: its fairness group; groups at one priority take turns"
      + " (default: " + JobOptions.DEFAULT_GROUP + ").")
  String group;

  @Option(names = "--label", paramLabel = "LABEL", split = ",", description = "Job: a label a connection must have to take it;"
      + " repeatable, or comma-separated (default: none).")
  List<String> labels;

  @Option(names = "--queue-timeout", paramLabel = "DURATION", description = "Job: longest wait before its first dispatch; 0s ="
      + " none (default: none).")
  Duration queueTimeout;

  @Option(names = "--deadline", paramLabel = "DURATION", description = "Job: longest time from submit to a final state, across"
      + " its attempts; 0s = none (default: none).")
  Duration deadline;

  @Option(names = "--lease", paramLabel = "DURATION", description = "Job: longest an attempt may go without reporting"
      + " progress before it ends STALLED and is retried; only slaves that report progress take it (default: none).")
  Duration lease;

  @Option(names = "--attempts", paramLabel = "N", description = "Job: attempts in all, 1.." + JobOptions.MAX_ATTEMPTS
      + " (default: ${DEFAULT-VALUE}).")
  Integer attempts;

  @Option(names = "--retry-on", paramLabel = "REASON", split = ",", description = "Job: also retry an attempt that ended in"
      + " these reasons: SLAVE_FAILED, TIMEOUT (LOST and START_FAILED always are) (default: none).")
  List<String> retryOn;

  /**
   * The options as the admin API takes them, with {@code timeout} (null: the default), each checked
   * here by the scheduler's own rule so that a bad value is a usage error naming its flag before
   * anything is sent.
   */
  JobRequest request(CommandLine commandLine, Duration timeout) {
    if (group != null) {
      group(commandLine, "--group", group);
    }
    if (labels != null) {
      CommandLines.apply(commandLine, "--label", String.join(",", labels), ignored -> Labels.require(labels));
    }
    check(commandLine, "--timeout", timeout, JobOptions.Builder::timeout);
    check(commandLine, "--queue-timeout", queueTimeout, JobOptions.Builder::queueTimeout);
    check(commandLine, "--lease", lease, JobOptions.Builder::lease);
    check(commandLine, "--deadline", deadline, JobOptions.Builder::deadline);
    check(commandLine, "--attempts", attempts, JobOptions.Builder::maxAttempts);
    List<String> reasons = retryOn == null ? null : reasons(commandLine).stream().map(Enum::name).toList();
    return new JobRequest(priority, group, labels, timeout, queueTimeout, deadline, attempts, reasons, null, null, null,
        null, lease);
  }

  /** {@code value} if it is a group name (the rule of connection names); a usage error naming {@code option} otherwise. */
  static String group(CommandLine commandLine, String option, String value) {
    if (!ConnectionNames.isValid(value)) {
      throw new CommandLine.ParameterException(commandLine, "Invalid value for option '" + option + "': " + value
          + " (a group must be 1 to " + ConnectionNames.MAX_LENGTH + " characters of ASCII letters, digits and"
          + " . _ - : @, starting with a letter or digit)");
    }
    return value;
  }

  /** Checks {@code value} (if given) by the rule {@link JobOptions} applies to it. */
  private static <T> void check(CommandLine commandLine, String option, T value, BiConsumer<JobOptions.Builder, T> setter) {
    if (value != null) {
      CommandLines.apply(commandLine, option, value, v -> {
        JobOptions.Builder builder = JobOptions.builder();
        setter.accept(builder, v);
        builder.build();
      });
    }
  }

  private List<TaskFailure.Reason> reasons(CommandLine commandLine) {
    List<TaskFailure.Reason> reasons = new ArrayList<>();
    for (String text : retryOn) {
      TaskFailure.Reason reason = JobOptions.RETRYABLE.stream().filter(r -> r.name().equals(text)).findFirst()
          .orElseThrow(() -> new CommandLine.ParameterException(commandLine, "Invalid value for option '--retry-on': "
              + text + " (SLAVE_FAILED and TIMEOUT may be retried; LOST and START_FAILED always are)"));
      reasons.add(reason);
    }
    return reasons;
  }
}
