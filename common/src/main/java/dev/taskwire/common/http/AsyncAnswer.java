package dev.taskwire.common.http;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.util.LogSafe;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request once a future completes, without writing on the thread that completes it and
 * without any thread waiting for a client that reads slowly or not at all.
 *
 * <p>Why: a long poll's answer is ready on whatever thread ends the wait: the JDK's one delay
 * thread for a timeout, a callback pool's thread for a completion. A blocking write there waits
 * until the client has read the answer, so a client that never read a large answer held that
 * shared thread until Jetty's idle timeout, and every other long poll answered on it waited too
 * (a job that finished in 1 ms answered its own long poll after 23 to 28 s).
 *
 * <p>How: the request goes asynchronous ({@link Context#future}). When the future completes, the
 * completing thread only registers a servlet {@link WriteListener}; Jetty calls it on one of its
 * own threads, where the answer is built and handed to a non-blocking write, and that thread
 * returns at once. Jetty sends the bytes as the client takes them. A write not done within the
 * write timeout cuts the connection, so a client that trickles holds its answer's bytes at most
 * that long; either way the request then completes, and costs no one else anything.
 */
public final class AsyncAnswer {
  /** How long writing one answer may take before its connection is cut, unless the caller says otherwise. */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger log = LoggerFactory.getLogger(AsyncAnswer.class);
  private static final String JSON_CONTENT_TYPE = "application/json";

  private AsyncAnswer() {}

  /**
   * An answer: its HTTP status and the JSON bytes of its body (an envelope).
   *
   * @param status the HTTP status
   * @param json the body, written as it is
   */
  public record Body(int status, byte[] json) {
    public Body {
      Objects.requireNonNull(json, "json == null");
    }

    /** A success envelope with HTTP 200, {@code data} written as Jackson writes it (a record, a map). */
    public static Body success(String message, Object data) {
      return new Body(200, Json.toBytes(new AnyEnvelope(true, 0, message, data)));
    }
  }

  /** {@link Envelope} with data of any type, so that a view is written without being copied into maps first. */
  @com.fasterxml.jackson.annotation.JsonPropertyOrder({"success", "code", "message", "data"})
  record AnyEnvelope(boolean success, int code, String message, Object data) {}

  /**
   * Answers {@code ctx} once {@code ready} completes: {@code answer} turns its value into the
   * answer on one of Jetty's threads, and the answer is written without blocking, within {@code
   * writeTimeout}. A {@link ResponseException} from {@code answer} (or {@code ready}) is answered
   * as its envelope; anything else as 500, logged. Call from a handler, as its last act.
   *
   * @return completed once the answer has been written, or given up (the client went away, the
   *     write timed out)
   */
  public static <T> CompletableFuture<Void> send(Context ctx, CompletionStage<T> ready,
      Function<? super T, Body> answer, Duration writeTimeout) {
    Writer<T> writer = new Writer<>(ctx, answer, writeTimeout);
    ctx.future(() -> {
      // Javalin has made the request asynchronous before calling this: a write listener may be set.
      ready.whenComplete(writer::ready);
      return writer.written;
    });
    return writer.written;
  }

  /** {@link #send(Context, CompletionStage, Function, Duration)} of an answer that is ready now. */
  public static CompletableFuture<Void> send(Context ctx, Body body, Duration writeTimeout) {
    Objects.requireNonNull(body, "body == null");
    return send(ctx, CompletableFuture.completedFuture(body), Function.identity(), writeTimeout);
  }

  /** One answer's write: registered when the value is ready, run by Jetty when it may write. */
  private static final class Writer<T> implements WriteListener {
    private final Context ctx;
    private final Function<? super T, Body> answer;
    private final Duration writeTimeout;
    /** Jetty's request, for its scheduler and connection; null if the request is not Jetty's own. */
    private final ServletContextRequest jetty;
    private final String what;
    final CompletableFuture<Void> written = new CompletableFuture<>();
    // Set on the thread that completes the wait, read on Jetty's: published by Jetty's own lock in
    // setWriteListener, volatile besides so as not to depend on it.
    private volatile T value;
    private volatile Throwable failure;
    private ServletOutputStream out; // Jetty's threads only, one at a time
    private boolean started; // Jetty's threads only
    // Guarded by this: once finished, the request may be recycled for the connection's next one,
    // so a late timer must not cut it.
    private boolean finished;
    private Scheduler.Task timer;

    Writer(Context ctx, Function<? super T, Body> answer, Duration writeTimeout) {
      this.ctx = ctx;
      this.answer = Objects.requireNonNull(answer, "answer == null");
      this.writeTimeout = Objects.requireNonNull(writeTimeout, "writeTimeout == null");
      this.jetty = JettyRequests.of(ctx);
      this.what = ctx.method() + " " + LogSafe.escape(ctx.path());
    }

    /** On the thread that completed the wait (any thread): only hands the write to Jetty. */
    void ready(T value, Throwable failure) {
      this.value = value;
      this.failure = failure;
      try {
        ServletOutputStream stream = ctx.res().getOutputStream();
        out = stream;
        stream.setWriteListener(this); // Jetty calls onWritePossible on its own thread
      } catch (IOException | RuntimeException e) {
        // The request ended meanwhile (the client went away, the server stopped): nothing to write.
        finish("the request ended before its answer was ready: " + e);
      }
    }

    /** On a Jetty thread: first builds and starts the write, then (when Jetty calls again) sees it done. */
    @Override
    public void onWritePossible() throws IOException {
      if (!started) {
        started = true;
        Body body = build();
        HttpServletResponse response = ctx.res();
        response.setStatus(body.status());
        response.setContentType(JSON_CONTENT_TYPE);
        response.setContentLength(body.json().length);
        // Armed before the write: a write that finishes at once cancels it in finish().
        arm();
        out.write(body.json()); // non-blocking: Jetty keeps the array and sends it as the client reads
      }
      if (out.isReady()) {
        finish(null); // all written (isReady is false while a write is pending, and Jetty calls again when done)
      }
    }

    @Override
    public void onError(Throwable t) {
      finish("answer not written, the client went away or was cut: " + t);
    }

    private Body build() {
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      try {
        if (cause != null) {
          return failureBody(cause);
        }
        return answer.apply(value);
      } catch (RuntimeException e) {
        return failureBody(e);
      }
    }

    private Body failureBody(Throwable e) {
      if (e instanceof ResponseException response) {
        return new Body(response.httpStatus(), Json.toBytes(response.toEnvelope()));
      }
      log.error("{} failed", what, e);
      return new Body(500, Json.toBytes(Envelope.failure(CommonErrorCode.INTERNAL_ERROR, "internal error", Map.of())));
    }

    private void arm() {
      if (jetty == null) {
        return; // not Jetty's request: only Jetty's idle timeout applies
      }
      try {
        Scheduler.Task task = jetty.getComponents().getScheduler().schedule(this::cut, writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        synchronized (this) {
          if (finished) {
            task.cancel();
          } else {
            timer = task;
          }
        }
      } catch (RuntimeException stopped) {
        // The server is stopping: its connections close anyway.
        log.debug("{}: no write timeout, the scheduler refused: {}", what, stopped.toString());
      }
    }

    /** On Jetty's scheduler thread: the write took longer than the write timeout; cuts the connection. */
    private void cut() {
      synchronized (this) {
        if (finished) {
          return;
        }
        log.info("{}: answer not read within {} ms; cutting the connection", what, writeTimeout.toMillis());
        try {
          // Closing the connection fails the pending write, which ends the request.
          jetty.getConnectionMetaData().getConnection().getEndPoint()
              .close(new IOException("answer not read within " + writeTimeout.toMillis() + " ms"));
        } catch (RuntimeException e) {
          log.debug("{}: cutting the connection failed: {}", what, e.toString());
        }
      }
      // The pending write now fails: Jetty calls onError, which finishes.
    }

    /** Once: stops the timer and lets Javalin complete the request (on this thread). */
    private void finish(String problem) {
      synchronized (this) {
        if (finished) {
          return;
        }
        finished = true;
        if (timer != null) {
          timer.cancel();
        }
      }
      if (problem != null) {
        log.debug("{}: {}", what, problem);
      }
      written.complete(null);
    }
  }
}
