package dev.taskwire.master.admin;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.taskwire.common.http.AsyncAnswer;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.json.Json;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * How the admin API's handlers answer: small answers as a success envelope at once; answers that
 * hold jobs or tasks (their data and results may be megabytes) written without blocking any thread
 * ({@link AsyncAnswer}), within the answer write timeout, and counted while pending.
 */
final class Answers {
  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

  private final Duration writeTimeout;
  /** Answers of jobs or tasks not yet written: long polls waiting, and answers being written. */
  private final AtomicInteger pending = new AtomicInteger();

  Answers(Duration writeTimeout) {
    this.writeTimeout = writeTimeout;
  }

  /** Answers of jobs or tasks not yet written now. */
  int pending() {
    return pending.get();
  }

  /** Answers a success envelope whose data is {@code view}, one of the {@link AdminMessages} records. */
  static void success(Context ctx, String message, Object view) {
    Map<String, Object> data;
    try {
      data = Json.MAPPER.convertValue(view, OBJECT);
    } catch (IllegalArgumentException e) {
      // A hook's value that Jackson cannot write is a bug, answered 500 and logged: not a bad request.
      throw new RuntimeException("answer not writable as JSON", e);
    }
    JsonServer.success(ctx, message, data);
  }

  /** Answers a success envelope whose data is {@code view}, which holds jobs or tasks: written as {@link #when} does. */
  void holding(Context ctx, String message, Object view) {
    when(ctx, CompletableFuture.completedFuture(view), v -> AsyncAnswer.Body.success(message, v));
  }

  /**
   * Answers once {@code ready} completes with what {@code answer} makes of its value, on one of
   * Jetty's threads rather than the one that completed {@code ready}, and written without blocking
   * within the answer write timeout ({@link AsyncAnswer}).
   */
  <T> void when(Context ctx, CompletableFuture<T> ready, Function<? super T, AsyncAnswer.Body> answer) {
    pending.incrementAndGet();
    AsyncAnswer.send(ctx, ready, answer, writeTimeout).whenComplete((ignored, e) -> pending.decrementAndGet());
  }
}
