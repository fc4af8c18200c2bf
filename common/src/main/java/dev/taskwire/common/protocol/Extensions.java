package dev.taskwire.common.protocol;

/** Names of the optional Taskwire extensions (docs/protocol.md, "Extensions"). */
public final class Extensions {
  private Extensions() {}

  public static final String SLOTS = "slots";
  public static final String PROGRESS = "progress";
  public static final String CANCEL = "cancel";
  public static final String IDEMPOTENT_REPORTS = "idempotent reports";
  /**
   * A slave answers a {@code /task/new} whose task id it already received on this connection with
   * success ("Task already received.") instead of running it again, so a master may resend one
   * whose answer it never got.
   */
  public static final String IDEMPOTENT_NEW_TASK = "idempotent task/new";
  public static final String HEALTH = "health";
  /**
   * A slave asks a master to connect to it ({@code POST /slave/join}); the master then sends the
   * ordinary {@code /connect}. Not announced: a slave asks only the masters it is told to join, and
   * a master without the endpoint answers 404. Named here for docs/protocol.md's table and the logs.
   */
  public static final String JOIN = "join";
  /**
   * A master with a durable store names itself ({@code master.taskwire.masterId} in {@code
   * /connect}); a slave that still runs tasks or holds results for that id lists them in its answer
   * ({@code data.taskwire.held}) and reports them on the new connection: work in flight across a
   * master restart is taken up, not run again.
   */
  public static final String ADOPT = "adopt";
  /** The key of the extension block in connect bodies and answers. */
  public static final String TASKWIRE_KEY = "taskwire";
}
