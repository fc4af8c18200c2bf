package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.Answers.success;

import dev.taskwire.common.http.JsonServer;
import dev.taskwire.master.admin.AdminMessages.LimitRequest;
import dev.taskwire.master.admin.AdminMessages.Limits;
import dev.taskwire.master.scheduler.Scheduler;
import io.javalin.http.Context;
import java.util.TreeMap;

/**
 * {@code /api/v1/limits/{group}}: caps on how many jobs of a group run at once; and {@code GET
 * /api/v1/scheduler}, the scheduler's summary, which shows them with what is queued and running.
 */
final class LimitsHandler {
  private final Scheduler scheduler;
  private final JsonServer server;

  LimitsHandler(Scheduler scheduler, JsonServer server) {
    this.scheduler = scheduler;
    this.server = server;
  }

  /** {@code PUT /api/v1/limits/{group}}: sets the group's limit; answers every limit now. */
  void put(Context ctx) {
    String group = AdminParams.group(ctx);
    LimitRequest request = AdminRequests.limit(server.body(ctx));
    scheduler.limit(group, request.limit());
    success(ctx, "Limit set.", new Limits(new TreeMap<>(scheduler.limits())));
  }

  /** {@code DELETE /api/v1/limits/{group}}: removes the group's limit, if any; answers every limit now. */
  void remove(Context ctx) {
    scheduler.removeLimit(AdminParams.group(ctx));
    success(ctx, "Limit removed.", new Limits(new TreeMap<>(scheduler.limits())));
  }

  /** {@code GET /api/v1/scheduler}: queued, running, by priority and group, limits, free slots, totals. */
  void summary(Context ctx) {
    success(ctx, "Scheduler.", AdminViews.of(scheduler.summary()));
  }
}
