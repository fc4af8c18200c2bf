package dev.taskwire.common.http;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ErrorCode;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.ResponseException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Javalin server of a master or a slave the same way on both sides.
 *
 * <ul>
 *   <li>Handlers read the body with {@link #body(Context)}: parsed as JSON whatever the
 *       Content-Type says (the reference sends none), on any method including GET; an empty body
 *       is {@code {}}. Handlers call it after their header checks, keeping the protocol's order
 *       "shutting down, channel, token, body".
 *   <li>A body that is not a JSON object is answered 400 with the side's data-invalid code; one
 *       over the size limit 413 ({@link CommonErrorCode#BODY_TOO_LARGE}). Both are found only when
 *       a handler reads the body, so the header checks before it answer first.
 *   <li>Handlers only throw: a {@link ResponseException} becomes its envelope and status; any other
 *       exception is logged and answered 500 with an envelope, never a stack trace. Javalin's own
 *       404 and 405 become envelopes too.
 * </ul>
 */
public final class JsonServer {
  private static final Logger log = LoggerFactory.getLogger(JsonServer.class);
  private static final String BODY_ATTRIBUTE = "taskwire.body";
  private static final String JSON_CONTENT_TYPE = "application/json";
  /** Serialized success envelopes without data, by message; a handful of constant messages. */
  private static final Map<String, byte[]> PLAIN_SUCCESS = new java.util.concurrent.ConcurrentHashMap<>();
  private static final String AFTER_RESPONSE_ATTRIBUTE = "taskwire.afterResponse";

  private final Javalin app;
  private final ErrorCode bodyInvalid;
  private final long maxBodyBytes;

  private JsonServer(String name, ErrorCode bodyInvalid, long maxBodyBytes, int maxThreads) {
    this.bodyInvalid = Objects.requireNonNull(bodyInvalid, "bodyInvalid == null");
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes < 1: " + maxBodyBytes);
    }
    this.maxBodyBytes = maxBodyBytes;
    this.app = Javalin.create(config -> {
      config.showJavalinBanner = false;
      // Envelopes are small and peers near: compressing costs more CPU than it saves.
      config.http.disableCompression();
      config.http.prefer405over404 = true; // a wrong method on a known path is 405, not 404
      config.startupWatcherEnabled = false;
      QueuedThreadPool threads = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads), 60_000);
      threads.setName("taskwire-" + name + "-http");
      config.jetty.threadPool = threads;
      // Javalin calls the request logger once the response is written to Jetty's buffer.
      config.requestLogger.http((ctx, millis) -> {
        Runnable afterResponse = ctx.attribute(AFTER_RESPONSE_ATTRIBUTE);
        if (afterResponse != null) {
          ctx.res().flushBuffer(); // onto the socket, so that the action cannot cut it short
          afterResponse.run();
        }
        if (log.isDebugEnabled()) {
          log.debug("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.statusCode(), String.format("%.1f", millis));
        }
      });
    });
    app.exception(ResponseException.class, (e, ctx) -> answer(ctx, e.httpStatus(), e.toEnvelope()));
    app.exception(JsonFormatException.class, (e, ctx) -> fail(ctx, bodyInvalid, e.getMessage()));
    app.exception(HttpResponseException.class, this::answerHttpException);
    app.exception(Exception.class, (e, ctx) -> {
      log.error("{} {} failed", ctx.method(), ctx.path(), e);
      fail(ctx, CommonErrorCode.INTERNAL_ERROR, "internal error: " + e.getClass().getName());
    });
  }

  /**
   * A server whose HTTP threads are named {@code taskwire-NAME-http}, answering a bad body with
   * {@code bodyInvalid} and a body over {@code maxBodyBytes} with 413.
   */
  public static JsonServer create(String name, ErrorCode bodyInvalid, long maxBodyBytes) {
    return new JsonServer(name, bodyInvalid, maxBodyBytes, 200);
  }

  /** {@link #create(String, ErrorCode, long)} with the default limit of 16 MiB. */
  public static JsonServer create(String name, ErrorCode bodyInvalid) {
    return create(name, bodyInvalid, ProtocolDefaults.DEFAULT_MAX_BODY_BYTES);
  }

  /** The Javalin app, to add routes to before {@link #start(String, int)}. */
  public Javalin app() {
    return app;
  }

  /** Starts listening on {@code host}:{@code port} (0 = any free port); returns once it answers. */
  public JsonServer start(String host, int port) {
    app.start(host, port);
    return this;
  }

  /** The bound port. */
  public int port() {
    return app.port();
  }

  /** Stops the server. Safe to call twice. */
  public void stop() {
    app.stop();
  }

  /**
   * The request body as a JSON object, read once and cached.
   *
   * @throws JsonFormatException if it is not a JSON object (answered with the data-invalid code)
   * @throws ResponseException with 413 if it is larger than the limit
   */
  public Map<String, Object> body(Context ctx) {
    Map<String, Object> cached = ctx.attribute(BODY_ATTRIBUTE);
    if (cached != null) {
      return cached;
    }
    Map<String, Object> body = Json.parseObject(readBounded(ctx));
    ctx.attribute(BODY_ATTRIBUTE, body);
    return body;
  }

  /**
   * Runs {@code action} once the response to {@code ctx} has been written: for an action that
   * would cut the response short, such as stopping the server.
   */
  public static void afterResponse(Context ctx, Runnable action) {
    ctx.attribute(AFTER_RESPONSE_ATTRIBUTE, action);
  }

  /** Answers a success envelope with HTTP 200. */
  public static void success(Context ctx, String message, Map<String, Object> data) {
    if (data == null) {
      // The common answers ("Received!", "Task received!") are the same bytes every time.
      write(ctx, 200, PLAIN_SUCCESS.computeIfAbsent(message, m -> Json.toBytes(Envelope.success(m, null))));
    } else {
      answer(ctx, 200, Envelope.success(message, data));
    }
  }

  /** Answers {@code envelope} with {@code status}. */
  public static void answer(Context ctx, int status, Envelope envelope) {
    write(ctx, status, Json.toBytes(envelope));
  }

  private static void write(Context ctx, int status, byte[] body) {
    ctx.status(status);
    ctx.res().setContentType(JSON_CONTENT_TYPE);
    // A declared length lets an early flush (see afterResponse) send a complete, unchunked answer.
    ctx.res().setContentLength(body.length);
    try {
      // Written here rather than through ctx.result(), which copies every body through a fresh
      // 8 KiB buffer: that copy was the top frame of the benchmark's profile.
      ctx.res().getOutputStream().write(body);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("could not write the answer: " + e.getMessage(), e);
    }
  }

  private byte[] readBounded(Context ctx) {
    if (ctx.req().getContentLengthLong() > maxBodyBytes) {
      throw tooLarge(); // declared too large: refused without reading it
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
      if (bytes.length > maxBodyBytes) {
        throw tooLarge();
      }
      return bytes;
    } catch (IOException e) {
      throw new JsonFormatException("body could not be read: " + e.getMessage(), e);
    }
  }

  private ResponseException tooLarge() {
    return CommonErrorCode.BODY_TOO_LARGE.exception("body larger than " + maxBodyBytes + " bytes");
  }

  private void answerHttpException(HttpResponseException e, Context ctx) {
    ErrorCode code =
        switch (e.getStatus()) {
          case 404 -> CommonErrorCode.NOT_FOUND;
          case 405 -> CommonErrorCode.METHOD_NOT_ALLOWED;
          case 413 -> CommonErrorCode.BODY_TOO_LARGE;
          default -> e.getStatus() >= 500 ? CommonErrorCode.INTERNAL_ERROR : bodyInvalid;
        };
    answer(ctx, e.getStatus(), Envelope.failure(code, e.getMessage(), Map.of()));
  }

  private static void fail(Context ctx, ErrorCode code, String message) {
    answer(ctx, code.httpStatus(), Envelope.failure(code, message, Map.of()));
  }
}
