package dev.taskwire.common.http;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ErrorCode;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.tls.ServerTls;
import dev.taskwire.common.util.LogSafe;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Javalin server of a master or a slave the same way on both sides.
 *
 * <ul>
 *   <li>Handlers read the body with {@link #body(Context)} (control requests) or {@link
 *       #dataBody(Context)} (where task data and results travel): parsed as JSON whatever the
 *       Content-Type says (the reference sends none), on any method including GET; an empty body
 *       is {@code {}}. Handlers call it after their header checks, keeping the protocol's order
 *       "shutting down, channel, token, body". A body read before anything says who sent it (a
 *       join's, whose proof is inside) is read with {@link #untrustedBody(Context)}, from a small
 *       share of readers of its own, so that no unauthenticated client can take what
 *       authenticated traffic needs.
 *   <li>A body that is not a JSON object (or nests too deep, repeats a key, holds a number out of
 *       range) is answered 400 with the side's data-invalid code; one over its size limit 413,
 *       one not received within the body time limit 408, and one that finds too many large
 *       bodies being read 429 ({@link BodyLimits}). All are found only when a handler reads the
 *       body, so the header checks before it answer first.
 *   <li>Handlers only throw: a {@link ResponseException} becomes its envelope and status; any other
 *       exception is logged and answered 500 with an envelope, never a stack trace. Javalin's own
 *       404 and 405, and Jetty's answers to malformed requests, become envelopes too.
 *   <li>An answer that cannot be written (the client reset the connection) is given up once and
 *       logged at debug: nothing retries it, so no thread can loop on a dead connection.
 *   <li>With {@link ServerTls} it serves https only, TLS 1.3 or 1.2 ({@link ServerTls#PROTOCOLS}):
 *       there is no plain http port, and a plain request to the https port gets no answer of its
 *       handlers. With mutual TLS, a client without a certificate from the CA is refused at the
 *       handshake.
 * </ul>
 */
public final class JsonServer {
  private static final Logger log = LoggerFactory.getLogger(JsonServer.class);
  private static final String BODY_ATTRIBUTE = "taskwire.body";
  private static final String JSON_CONTENT_TYPE = "application/json";
  /** Serialized success envelopes without data, by message; a handful of constant messages. */
  private static final Map<String, byte[]> PLAIN_SUCCESS = new java.util.concurrent.ConcurrentHashMap<>();
  private static final String AFTER_RESPONSE_ATTRIBUTE = "taskwire.afterResponse";
  /** How many bodies {@link #untrustedBody(Context)} reads at once; one more is answered 429 at once. */
  public static final int UNTRUSTED_READERS_AT_ONCE = 8;
  /** The largest body {@link #untrustedBody(Context)} takes (or the control limit, if smaller). */
  public static final long UNTRUSTED_BODY_BYTES = 8 * 1024;
  /** Set once writing an answer failed: the connection is dead, so nothing more is written. */
  private static final String ABANDONED_ATTRIBUTE = "taskwire.abandoned";

  private final String name;
  private final int maxThreads;
  private final ServerTls tls;
  private final ErrorCode bodyInvalid;
  /** The routes handlers added, in order, applied when the app is made at {@link #start}. */
  private final List<Consumer<RoutesConfig>> routes = new ArrayList<>();
  private volatile Javalin app;
  private final BodyReader bodies;
  private final BodyReader untrustedBodies;
  private final boolean https;
  // Where the server listens: given to start(), read when the app is made.
  private String host;
  private int port;

  private JsonServer(String name, ErrorCode bodyInvalid, BodyLimits limits, int maxThreads, ServerTls tls) {
    this.https = tls != null;
    this.bodyInvalid = Objects.requireNonNull(bodyInvalid, "bodyInvalid == null");
    // A quarter of the HTTP threads stays free of body reads, for heartbeats, health and Jetty.
    this.bodies = new BodyReader(Objects.requireNonNull(limits, "limits == null"), maxThreads * 3 / 4);
    long untrustedBytes = Math.min(UNTRUSTED_BODY_BYTES, limits.controlBytes());
    this.untrustedBodies = new BodyReader(new BodyLimits(untrustedBytes, untrustedBytes, limits.timeout(), 1),
        UNTRUSTED_READERS_AT_ONCE);
    this.name = name;
    this.maxThreads = maxThreads;
    this.tls = tls;
    // Javalin's own start-up lines (its listening line, and "Your Javalin version is N days old",
    // which greets every embedder) say nothing the master's and slave's own start-up lines do not:
    // off, for every Javalin in this JVM, since the switch is Javalin's one static.
    io.javalin.util.JavalinLogger.startupInfo = false;
  }

  /**
   * The Javalin app with every route added so far: Javalin 7 takes routes only while it is
   * created, so the app is made when the server starts.
   */
  private Javalin createApp() {
    EnvelopeErrorHandler errorPages = new EnvelopeErrorHandler();
    return Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.startup.startupWatcherEnabled = false;
      // Envelopes are small and peers near: compressing costs more CPU than it saves.
      config.http.compressionStrategy = CompressionStrategy.NONE;
      config.http.prefer405over404 = true; // a wrong method on a known path is 405, not 404
      if (tls != null) {
        // The only connector: Javalin adds its plain one only to a server that has none.
        config.jetty.addConnector((server, http) -> HttpsConnector.create(server, http, tls, host, port));
      } else {
        config.jetty.host = host;
        config.jetty.port = port;
      }
      QueuedThreadPool threads = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads), 60_000);
      threads.setName("taskwire-" + name + "-http");
      config.jetty.threadPool = threads;
      config.jetty.modifyServer(server -> server.setErrorHandler(errorPages));
      config.jetty.modifyServletContextHandler(context -> context.setErrorHandler(errorPages));
      // Javalin calls the request logger once the response is written to Jetty's buffer.
      config.requestLogger.http((ctx, millis) -> {
        Runnable afterResponse = ctx.attribute(AFTER_RESPONSE_ATTRIBUTE);
        if (afterResponse != null) {
          try {
            ctx.res().flushBuffer(); // onto the socket, so that the action cannot cut it short
          } catch (IOException clientGone) {
            log.debug("{} {}: could not flush the answer: {}", ctx.method(), ctx.path(), clientGone.toString());
          }
          afterResponse.run();
        }
        if (log.isDebugEnabled()) {
          log.debug("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.statusCode(), String.format("%.1f", millis));
        }
      });
      RoutesConfig app = config.routes;
      // Javalin hands an exception thrown by an exception handler back to the handlers, so these
      // must never throw: a write that fails is given up in write(), not rethrown.
      app.exception(ResponseException.class, (e, ctx) -> answer(ctx, e.httpStatus(), e.toEnvelope()));
      app.exception(JsonFormatException.class, (e, ctx) -> fail(ctx, bodyInvalid, e.getMessage()));
      app.exception(HttpResponseException.class, this::answerHttpException);
      app.exception(Exception.class, (e, ctx) -> {
        if (ctx.attribute(ABANDONED_ATTRIBUTE) == null) {
          log.error("{} {} failed", ctx.method(), LogSafe.escape(ctx.path()), e);
        }
        fail(ctx, CommonErrorCode.INTERNAL_ERROR, "internal error");
      });
      routes.forEach(route -> route.accept(app));
    });
  }

  /**
   * A server whose HTTP threads are named {@code taskwire-NAME-http}, answering a bad body with
   * {@code bodyInvalid} and reading bodies within {@code limits}.
   */
  public static JsonServer create(String name, ErrorCode bodyInvalid, BodyLimits limits) {
    return create(name, bodyInvalid, limits, null);
  }

  /**
   * {@link #create(String, ErrorCode, BodyLimits)} serving https only with {@code tls}, or plain
   * http if {@code tls} is null.
   */
  public static JsonServer create(String name, ErrorCode bodyInvalid, BodyLimits limits, ServerTls tls) {
    return new JsonServer(name, bodyInvalid, limits, 200, tls);
  }

  /** {@link #create(String, ErrorCode, BodyLimits)} with data bodies of at most {@code maxBodyBytes}. */
  public static JsonServer create(String name, ErrorCode bodyInvalid, long maxBodyBytes) {
    return create(name, bodyInvalid, BodyLimits.of(maxBodyBytes, BodyLimits.DEFAULT_TIMEOUT));
  }

  /** {@link #create(String, ErrorCode, long)} with the default limits ({@link BodyLimits#defaults()}). */
  public static JsonServer create(String name, ErrorCode bodyInvalid) {
    return create(name, bodyInvalid, BodyLimits.defaults());
  }

  /** The limits this server reads bodies within. */
  public BodyLimits bodyLimits() {
    return bodies.limits();
  }

  /** Answers GET {@code path} with {@code handler}; routes are added before {@link #start}. */
  public JsonServer get(String path, Handler handler) {
    return route(app -> app.get(path, handler));
  }

  /** Answers POST {@code path} with {@code handler}. */
  public JsonServer post(String path, Handler handler) {
    return route(app -> app.post(path, handler));
  }

  /** Answers PUT {@code path} with {@code handler}. */
  public JsonServer put(String path, Handler handler) {
    return route(app -> app.put(path, handler));
  }

  /** Answers DELETE {@code path} with {@code handler}. */
  public JsonServer delete(String path, Handler handler) {
    return route(app -> app.delete(path, handler));
  }

  /** Runs {@code handler} before the route of every request whose path matches {@code path}. */
  public JsonServer before(String path, Handler handler) {
    return route(app -> app.before(path, handler));
  }

  private synchronized JsonServer route(Consumer<RoutesConfig> route) {
    if (app != null) {
      throw new IllegalStateException("routes are added before the server starts");
    }
    routes.add(route);
    return this;
  }

  /** Starts listening on {@code host}:{@code port} (0 = any free port); returns once it answers. */
  public synchronized JsonServer start(String host, int port) {
    if (app != null) {
      throw new IllegalStateException("already started");
    }
    this.host = host;
    this.port = port;
    app = createApp();
    app.start();
    return this;
  }

  /** Whether this server serves https (and only https). */
  public boolean https() {
    return https;
  }

  /** The scheme of this server's address: {@code https} or {@code http}. */
  public String scheme() {
    return https ? "https" : "http";
  }

  /** The bound port. */
  public int port() {
    Javalin started = app;
    if (started == null) {
      throw new IllegalStateException("not started");
    }
    return started.port();
  }

  /** Stops the server. Safe to call twice, and before it started. */
  public void stop() {
    Javalin started = app;
    if (started != null) {
      started.stop();
    }
  }

  /**
   * The body of a control request as a JSON object, at most {@link BodyLimits#controlBytes()};
   * read once and cached.
   *
   * @throws JsonFormatException if it is not a JSON object within the nesting limit (answered with
   *     the data-invalid code)
   * @throws ResponseException 413 if it is larger than the limit, 408 if it came too slowly, 429
   */
  public Map<String, Object> body(Context ctx) {
    return body(ctx, bodies.limits().controlBytes());
  }

  /** {@link #body(Context)} for a request that carries task data or a result: at most {@link BodyLimits#dataBytes()}. */
  public Map<String, Object> dataBody(Context ctx) {
    return body(ctx, bodies.limits().dataBytes());
  }

  /**
   * {@link #body(Context)} for a request that nothing has authenticated before its body is read
   * (a join, whose proof is inside it): at most {@link #UNTRUSTED_BODY_BYTES}, and read by at most
   * {@link #UNTRUSTED_READERS_AT_ONCE} requests at once, apart from the readers of every other
   * request, so that slow unauthenticated bodies cannot keep authenticated ones from being read.
   */
  public Map<String, Object> untrustedBody(Context ctx) {
    return body(ctx, untrustedBodies, untrustedBodies.limits().controlBytes());
  }

  private Map<String, Object> body(Context ctx, long limit) {
    return body(ctx, bodies, limit);
  }

  private Map<String, Object> body(Context ctx, BodyReader reader, long limit) {
    Map<String, Object> cached = ctx.attribute(BODY_ATTRIBUTE);
    if (cached != null) {
      return cached;
    }
    // The body object is one level around the data it carries.
    Map<String, Object> body = reader.read(ctx, limit, bytes -> Json.parseObject(bytes, 1));
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

  /**
   * Writes the answer once. A client that went away (reset, closed) makes the write fail: the answer
   * is given up, logged at debug, and nothing more is written for this request.
   */
  private static void write(Context ctx, int status, byte[] body) {
    if (ctx.attribute(ABANDONED_ATTRIBUTE) != null || ctx.res().isCommitted()) {
      return;
    }
    try {
      ctx.status(status);
      ctx.res().setContentType(JSON_CONTENT_TYPE);
      // A declared length lets an early flush (see afterResponse) send a complete, unchunked answer.
      ctx.res().setContentLength(body.length);
      // Written here rather than through ctx.result(), which copies every body through a fresh
      // 8 KiB buffer: that copy was the top frame of the benchmark's profile.
      ctx.res().getOutputStream().write(body);
    } catch (IOException | RuntimeException e) {
      ctx.attribute(ABANDONED_ATTRIBUTE, Boolean.TRUE);
      log.debug("{} {}: answer {} not written, the client went away: {}", ctx.method(),
          LogSafe.escape(ctx.path()), status, e.toString());
    }
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
