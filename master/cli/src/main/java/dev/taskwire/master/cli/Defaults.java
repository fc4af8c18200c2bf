package dev.taskwire.master.cli;

import dev.taskwire.common.http.ServerBuilder;
import dev.taskwire.common.http.BodyLimits;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.util.Durations;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.AdminToken;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.Scheduler;
import java.util.LinkedHashMap;
import java.util.Map;

/** The defaults of every flag of the runnable master, shown by {@code --help}, from the builders' constants. */
final class Defaults {
  /** Where the client looks for the master when neither --master nor TASKWIRE_MASTER says. */
  static final String MASTER_URL = "http://127.0.0.1:" + ProtocolDefaults.DEFAULT_MASTER_PORT;

  /** Where {@code serve} keeps its store unless --data-dir or TASKWIRE_DATA_DIR says otherwise. */
  static final java.nio.file.Path DATA_DIR = java.nio.file.Path.of(System.getProperty("user.home"), ".taskwire", "data");

  private Defaults() {}

  static Map<String, String> all() {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("--host", ServerBuilder.DEFAULT_HOST);
    defaults.put("--port", Integer.toString(ProtocolDefaults.DEFAULT_MASTER_PORT));
    defaults.put("--channel", Long.toString(ProtocolDefaults.DEFAULT_CHANNEL));
    defaults.put("--heartbeat-tolerance", Durations.format(ProtocolDefaults.DEFAULT_HEARTBEAT_TOLERANCE));
    defaults.put("--heartbeat-check-span", Durations.format(ProtocolDefaults.DEFAULT_HEARTBEAT_CHECK_SPAN));
    defaults.put("--request-retries", Integer.toString(ProtocolDefaults.DEFAULT_REQUEST_RETRIES));
    defaults.put("--retry-wait", Durations.format(ProtocolDefaults.DEFAULT_RETRY_WAIT));
    defaults.put("--max-body-bytes", Long.toString(ProtocolDefaults.DEFAULT_MAX_BODY_BYTES));
    defaults.put("--body-timeout", Durations.format(BodyLimits.DEFAULT_TIMEOUT));
    defaults.put("--admin-token-file", AdminToken.defaultFile().toString());
    defaults.put("--task-history", Integer.toString(AdminApi.DEFAULT_TASK_HISTORY));
    defaults.put("--task-timeout", Durations.format(AdminApi.DEFAULT_TASK_TIMEOUT));
    defaults.put("--master", MASTER_URL);
    defaults.put("--token-file", AdminToken.defaultFile().toString());
    defaults.put("--queue-capacity", Integer.toString(Scheduler.DEFAULT_QUEUE_CAPACITY));
    defaults.put("--job-history", Integer.toString(Scheduler.DEFAULT_JOB_HISTORY));
    defaults.put("--data-dir", DATA_DIR.toString());
    defaults.put("--job-retention", Durations.format(dev.taskwire.master.Master.DEFAULT_JOB_RETENTION));
    defaults.put("--wait-limit", Durations.format(ClientOptions.DEFAULT_WAIT));
    defaults.put("--priority", Integer.toString(JobOptions.DEFAULTS.priority()));
    defaults.put("--attempts", Integer.toString(JobOptions.DEFAULT_MAX_ATTEMPTS));
    defaults.put("--window", Integer.toString(JobFileRun.DEFAULT_WINDOW));
    defaults.put("--batch", Integer.toString(JobFileRun.DEFAULT_BATCH));
    defaults.put("--limit", Integer.toString(AdminApi.DEFAULT_JOB_LIST));
    defaults.put("--slaves", Integer.toString(DemoCommand.DEFAULT_SLAVES));
    defaults.put("--tasks", Integer.toString(DemoCommand.DEFAULT_JOBS)); // demo's --jobs: picocli names an option by its longest name
    defaults.put("--slots", Integer.toString(DemoCommand.DEFAULT_SLOTS));
    defaults.put("--fan-out", Integer.toString(WorkflowDemo.DEFAULT_FAN_OUT));
    return defaults;
  }
}
