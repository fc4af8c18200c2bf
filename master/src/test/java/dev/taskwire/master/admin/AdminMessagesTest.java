package dev.taskwire.master.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.admin.AdminMessages.BackoffView;
import dev.taskwire.master.admin.AdminMessages.EventView;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.scheduler.Backoff;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.Passing;
import dev.taskwire.master.scheduler.SchedulerEvent;
import dev.taskwire.master.scheduler.SchedulerSummary;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The admin API's records (module taskwire-client) against the scheduler's types they show: the
 * two sides name the same things, and the mappings between them lose nothing.
 */
class AdminMessagesTest {
  @Test
  void theEventTypesTheClientKnowsAreTheSchedulers() {
    assertEquals(Arrays.stream(SchedulerEvent.Type.values()).map(Enum::name).toList(), EventView.TYPES);
  }

  @Test
  void aJobRequestWritesExactlyTheFieldsTheApiReadsInTheirOrder() {
    JobRequest every = new JobRequest(1, "g", List.of("gpu"), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(3), 2, List.of("TIMEOUT"), new BackoffView(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(4)),
        "n", List.of("j-1"), "merge", Duration.ofSeconds(5));
    Map<String, Object> json = Json.MAPPER.convertValue(every, Json.MAPPER.getTypeFactory()
        .constructMapType(java.util.LinkedHashMap.class, String.class, Object.class));
    assertEquals(JobRequests.FIELDS, List.copyOf(json.keySet()));
    assertEquals("{\"initial\":\"1s\",\"multiplier\":2.0,\"cap\":\"4s\"}", Json.toString(every.backoff()));
  }

  @Test
  void optionsMadeIntoARequestAndBackAreTheSame() {
    JobOptions options = JobOptions.builder().priority(-2).group("g.1").labels("gpu").timeout(Duration.ofMillis(1_500))
        .queueTimeout(Duration.ofMinutes(2)).deadline(Duration.ofHours(3)).maxAttempts(1)
        .retryOn(Reason.TIMEOUT, Reason.SLAVE_FAILED).backoff(new Backoff(Duration.ofMillis(100), 1.5, Duration.ofSeconds(10)))
        .name("first").afterIds(List.of("a", "b")).passing(Passing.NONE).lease(Duration.ofSeconds(9)).build();
    assertEquals(options, JobRequests.options(JobRequests.request(options)));
    assertEquals(JobOptions.DEFAULTS, JobRequests.options(JobRequest.DEFAULTS));
    assertEquals(List.of("SLAVE_FAILED", "TIMEOUT"), JobRequests.request(options).retryOn());
  }

  @Test
  void theSummaryIsAnsweredAsTheSchedulerWritesIt() {
    Map<Integer, Map<String, Integer>> byPriority = new TreeMap<>(java.util.Comparator.reverseOrder());
    byPriority.put(-1, Map.of("default", 2));
    byPriority.put(5, Map.of("g", 1));
    SchedulerSummary summary = new SchedulerSummary(3, 1, 2, 100, byPriority, Map.of("g", 2), Map.of("g", 2),
        Map.of("s1", 0), new SchedulerSummary.Totals(9, 3, 1, 0, 2), 4);
    assertEquals(Json.toString(summary), Json.toString(AdminViews.of(summary)));
  }
}
