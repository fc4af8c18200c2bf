package dev.taskwire.master.admin;

import dev.taskwire.common.json.JsonSize;
import dev.taskwire.master.Task;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.scheduler.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;

/**
 * The bound on an answer that holds many jobs or tasks: their views are sized before the answer is
 * built, and an answer that would pass {@code maxBytes} is refused with 413 ANSWER_TOO_LARGE.
 *
 * <p>A view is sized as the JSON it is written as: its small fields measured, its data and result
 * taken from the sizes the job or task keeps (each measured once, when first asked). Asking again
 * for the same jobs measures no data again, and counting stops once the bound is passed, so a
 * refusal costs at most the bound's worth of measuring and no memory for the answer. (A thousand
 * times one 100 KB job was a 1 GB answer, built in full before it was written.)
 */
final class AnswerBudget {
  /** Bytes of an answer besides its views, at most: the envelope's fields and message, the list around them. */
  static final int ENVELOPE_BYTES = 256;
  /** The two {@code null}s a view without data and result holds in their place. */
  private static final int TWO_NULLS = 8;

  private final long maxBytes;

  AnswerBudget(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  long maxBytes() {
    return maxBytes;
  }

  /**
   * The views of {@code jobs}, in their order, if an answer holding them all stays within the bound.
   *
   * @param fewer what to do instead, for the refusal's message, e.g. {@code "wait for fewer jobs at once"}
   * @throws AdminResponseException.AnswerTooLarge if it would not
   */
  List<JobView> jobViews(List<Job> jobs, String fewer) {
    List<JobView> views = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      views.add(AdminViews.of(job)); // references to the job's maps: no copy of its data or result
    }
    check(views.size(), i -> {
      JobView view = views.get(i);
      Job job = jobs.get(i);
      // A view shows a result only once its job is final, and then the job's kept size is the result's.
      return measure(withoutDataAndResult(view)) - TWO_NULLS + job.dataJsonBytes()
          + (view.result() == null ? 4 : job.resultJsonBytes());
    }, "jobs", fewer);
    return views;
  }

  /** {@link #jobViews(List, String)} for tasks. */
  List<TaskView> taskViews(List<Task> tasks, String fewer) {
    List<TaskView> views = new ArrayList<>(tasks.size());
    for (Task task : tasks) {
      views.add(AdminViews.of(task));
    }
    check(views.size(), i -> {
      TaskView view = views.get(i);
      Task task = tasks.get(i);
      return measure(withoutDataAndResult(view)) - TWO_NULLS + task.dataJsonBytes()
          + (view.result() == null ? 4 : task.resultJsonBytes());
    }, "tasks", fewer);
    return views;
  }

  private void check(int count, IntToLongFunction viewBytes, String items, String fewer) {
    long total = ENVELOPE_BYTES;
    for (int i = 0; i < count; i++) {
      long bytes;
      try {
        bytes = viewBytes.applyAsLong(i) + 1; // and its comma
      } catch (IllegalArgumentException e) {
        // A Java caller's value Jackson cannot write is a bug, answered 500 and logged: not a bad request.
        throw new RuntimeException("answer not writable as JSON", e);
      }
      total += bytes;
      if (total > maxBytes) {
        throw AdminErrorCode.ANSWER_TOO_LARGE.exception("the answer would hold more than " + maxBytes + " bytes, the"
                + " most this master answers at once: the first " + i + " of the " + count + " " + items + " fit; "
                + fewer + ", or for " + items + " with smaller data and results",
            Map.of(AdminResponseException.AnswerTooLarge.MAX_BYTES, maxBytes,
                AdminResponseException.AnswerTooLarge.AT_LEAST_BYTES, total,
                AdminResponseException.AnswerTooLarge.FIT, i));
      }
    }
  }

  /** {@code view} without its data and result (both null): what is left to size once they are counted apart. */
  private static JobView withoutDataAndResult(JobView view) {
    return new JobView(view.id(), view.status(), view.isFinal(), view.priority(), view.group(), view.labels(), null, null,
        view.failure(), view.submittedAt(), view.finishedAt(), view.waitingFor(), view.attempts(), view.name(),
        view.upstreams(), view.downstreams(), view.passing(), view.combined(), view.progress());
  }

  /** {@link #withoutDataAndResult(JobView)} of a task. */
  private static TaskView withoutDataAndResult(TaskView view) {
    return new TaskView(view.id(), view.connection(), view.status(), view.isFinal(), null, null, view.failure(),
        view.createdAt(), view.startedAt(), view.finishedAt(), view.progress());
  }

  private static long measure(Object view) {
    return JsonSize.of(view);
  }
}
