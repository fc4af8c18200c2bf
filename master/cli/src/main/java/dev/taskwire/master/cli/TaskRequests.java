package dev.taskwire.master.cli;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.AdminMessages.SubmitRequest;
import dev.taskwire.master.admin.AdminMessages.Submitted;
import dev.taskwire.master.admin.AdminResponseException;
import dev.taskwire.master.admin.MasterClient;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The admin API request {@link MasterClient} has no method for: {@code POST
 * /api/v1/connections/{name}/tasks} with the task's own {@code timeout} ({@link
 * MasterClient#submit(String, Map)} always leaves it to serve's {@code --task-timeout}). Sent the
 * way MasterClient sends it: no retry, failure answers thrown as {@link AdminResponseException}.
 */
final class TaskRequests {
  private final HttpEngine engine;
  private final Map<String, String> headers;

  /** Requests to the master at {@code masterUrl} with {@code token}; an address that is not one is an {@link IllegalArgumentException}. */
  TaskRequests(String masterUrl, Token token) {
    Objects.requireNonNull(token, "token == null");
    this.engine = HttpEngine.builder(BaseUrl.parse(masterUrl), Side.ADMIN)
        .retries(0)
        .readTimeout(AdminApi.MAX_WAIT.plusSeconds(15))
        .build();
    this.headers = Map.of("Authorization", "Bearer " + token.value());
  }

  /** Submits a task with {@code data} and {@code timeout} (zero: none) to the connection {@code name}; returns its id. */
  String submit(String name, Map<String, Object> data, Duration timeout) throws IOException {
    String path = "/api/v1/connections/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20") + "/tasks";
    try {
      return Json.convert(engine.send("POST", path, new SubmitRequest(data, timeout), headers).dataOrEmpty(), Submitted.class)
          .id();
    } catch (ResponseException e) {
      throw AdminResponseException.fromResponse(e);
    }
  }
}
