package dev.taskwire.master.admin;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.ResponseExceptions;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.util.NamedThreads;
import dev.taskwire.master.admin.AdminMessages.EventView;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open {@code GET /api/v1/events} stream, from {@link MasterClient#events(Consumer)}: a thread
 * of its own ({@code taskwire-client-events-N}) reads the master's Server-Sent Events and hands
 * each scheduler event ({@link EventView}) to the listener, in the order the scheduler published
 * them; an event of a type this client does not know ({@link EventView#TYPES}, a newer master's) or
 * without a time is skipped. {@link
 * #close()} ends the stream and its thread; it also ends by itself when the master ends it (its
 * shutdown), drops it ({@link End#OVERFLOW}: this client fell too far behind) or the connection
 * fails. {@link #end()} tells which. Thread-safe.
 */
public final class EventStream implements AutoCloseable {
  /** How a stream ended. */
  public enum End {
    /** {@link #close()} ended it. */
    CLOSED,
    /** The master ended it (it is shutting down). */
    MASTER_ENDED,
    /**
     * The master dropped it: its listener fell more than the master's buffer (10,000 events) behind.
     * Events were lost; read the state again ({@link MasterClient#jobs}, {@link MasterClient#schedulerSummary()}).
     */
    OVERFLOW,
    /** The connection failed (reset, no byte within the read timeout); see {@link #failure()}. */
    FAILED
  }

  /** How long without a byte (the master sends a keep-alive every 15 s) before the connection is taken for dead. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
  /** The longest wait for the master to answer the request that opens the stream. */
  static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
  /** The longest {@link #close()} waits for the reading thread to stop. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  private static final ThreadFactory THREADS = NamedThreads.numberedDaemons("taskwire-client-events");
  /** The longest failure answer read, as the engine reads envelopes. */
  private static final int MAX_ANSWER_BYTES = (int) ProtocolDefaults.DEFAULT_MAX_BODY_BYTES;

  private final Consumer<EventView> listener;
  private final ThreadPoolExecutor thread;
  private final OkHttpClient http;
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final CompletableFuture<End> end = new CompletableFuture<>();
  private volatile EventSource source;
  private volatile boolean closing;
  private volatile boolean overflowed;
  private volatile Throwable failure;
  private volatile Thread reader;

  private EventStream(Consumer<EventView> listener, dev.taskwire.common.tls.ClientTls tls) {
    this.listener = listener;
    this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), THREADS);
    // A client of its own: its dispatcher runs the stream's one call on this stream's thread.
    OkHttpClient.Builder http = new OkHttpClient.Builder()
        .dispatcher(new Dispatcher(thread))
        .connectionPool(new ConnectionPool(1, 1, TimeUnit.SECONDS))
        .connectTimeout(ProtocolDefaults.DEFAULT_CONNECT_TIMEOUT)
        .readTimeout(READ_TIMEOUT)
        .followRedirects(false) // as every client of Taskwire: see HttpEngine
        .followSslRedirects(false)
        .retryOnConnectionFailure(false);
    if (tls != null) {
      tls.applyTo(http);
    }
    this.http = http.build();
  }

  /**
   * Opens the stream at {@code url} with {@code headers} (over https with {@code tls}, or the JVM's
   * defaults if null); returns once the master has accepted it
   * (events from then on reach {@code listener}).
   *
   * @throws AdminResponseException the master's refusal, e.g. {@link AdminResponseException.TooManyStreams}
   * @throws ResponseException an answer that is not an event stream (not an envelope, a proxy's page)
   * @throws IOException if the master could not be reached or did not answer in time
   */
  static EventStream open(HttpUrl url, Map<String, String> headers, dev.taskwire.common.tls.ClientTls tls,
      Consumer<EventView> listener) throws IOException {
    EventStream stream = new EventStream(Objects.requireNonNull(listener, "listener == null"), tls);
    Request.Builder request = new Request.Builder().url(url).header("Accept", "text/event-stream");
    headers.forEach(request::header);
    stream.source = EventSources.createFactory(stream.http).newEventSource(request.build(), stream.new Reader());
    try {
      stream.opened.get(OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return stream;
    } catch (ExecutionException e) {
      stream.close();
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw (RuntimeException) cause;
    } catch (TimeoutException e) {
      stream.close();
      throw new IOException("the master did not open the event stream within " + OPEN_TIMEOUT.toMillis() + " ms");
    } catch (InterruptedException e) {
      stream.close();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while opening the event stream");
    }
  }

  /** Whether the stream is still open. */
  public boolean isOpen() {
    return !end.isDone();
  }

  /** Completed with how the stream ended, once it has (and its thread is done with the listener). */
  public CompletableFuture<End> end() {
    return end.copy();
  }

  /** Why the stream failed, for {@link End#FAILED}; null otherwise. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Ends the stream (no event reaches the listener after this returns, unless called from the
   * listener itself) and stops its thread, waiting for it at most {@link #CLOSE_WAIT}. Safe to call
   * twice.
   */
  @Override
  public void close() {
    closing = true;
    EventSource open = source;
    if (open != null) {
      open.cancel();
    }
    finish(End.CLOSED);
    if (Thread.currentThread() != reader) {
      try {
        if (!thread.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("The event stream's thread did not stop within {} ms", CLOSE_WAIT.toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Ends with {@code how} (the first end counts) and lets the thread stop once its call returns. */
  private void finish(End how) {
    end.complete(how);
    thread.shutdown();
    http.connectionPool().evictAll();
  }

  /** OkHttp's callbacks, all on the stream's thread. */
  private final class Reader extends EventSourceListener {
    @Override
    public void onOpen(EventSource eventSource, Response response) {
      reader = Thread.currentThread();
      opened.complete(null);
    }

    @Override
    public void onEvent(EventSource eventSource, String id, String type, String data) {
      if (closing) {
        return;
      }
      if (EventView.OVERFLOW.equals(type)) {
        overflowed = true;
        log.warn("The master dropped this event stream: {}", message(data));
        return;
      }
      EventView event;
      try {
        event = Json.read(data.getBytes(StandardCharsets.UTF_8), EventView.class);
        if (event == null || !EventView.TYPES.contains(event.type()) || event.time() == null) {
          throw new IllegalArgumentException("not a scheduler event this client knows");
        }
        Instant.parse(event.time());
      } catch (JsonFormatException | IllegalArgumentException | java.time.DateTimeException unknown) {
        // A type of a newer master, or not an event: skipped rather than ending the stream.
        log.debug("Skipped an event of type {}: {}", type, unknown.toString());
        return;
      }
      try {
        listener.accept(event);
      } catch (RuntimeException | Error e) {
        // As a scheduler listener's: logged, and the stream goes on.
        log.error("An event stream listener failed on {} of job {}", event.type(), event.job(), e);
      }
    }

    @Override
    public void onClosed(EventSource eventSource) {
      finish(closing ? End.CLOSED : overflowed ? End.OVERFLOW : End.MASTER_ENDED);
    }

    @Override
    public void onFailure(EventSource eventSource, Throwable t, Response response) {
      if (!opened.isDone()) {
        opened.completeExceptionally(refusal(t, response));
        finish(End.FAILED);
        return;
      }
      if (closing) {
        finish(End.CLOSED);
      } else if (overflowed) {
        finish(End.OVERFLOW); // the master cut the connection after its OVERFLOW event
      } else {
        failure = t;
        finish(End.FAILED);
      }
    }
  }

  /** What a failure to open is thrown as. */
  private static Exception refusal(Throwable t, Response response) {
    if (response != null && !response.isSuccessful()) {
      byte[] bytes;
      try (ResponseBody body = response.body(); InputStream in = body == null ? InputStream.nullInputStream() : body.byteStream()) {
        bytes = in.readNBytes(MAX_ANSWER_BYTES);
      } catch (IOException e) {
        return e;
      }
      try {
        Envelope envelope = Json.read(bytes, Envelope.class);
        if (envelope != null) {
          return AdminResponseException.fromResponse(ResponseExceptions.fromResponse(Side.ADMIN, response.code(), envelope));
        }
      } catch (JsonFormatException notAnEnvelope) {
        // Described below.
      }
      String text = new String(bytes, StandardCharsets.UTF_8);
      return AdminResponseException.fromResponse(ResponseExceptions.withoutEnvelope(response.code(),
          "response is not an envelope: " + (text.length() <= 200 ? text : text.substring(0, 200) + "…")));
    }
    if (t instanceof IOException io) {
      return io;
    }
    if (response != null) {
      // Answered 200, but not with an event stream: a proxy's page, or not a Taskwire master.
      return ResponseExceptions.withoutEnvelope(response.code(), "response is not an event stream: content type "
          + (response.body() == null ? null : response.body().contentType()));
    }
    return new IOException("the event stream could not be opened: " + t, t);
  }

  private static String message(String data) {
    try {
      return Json.read(data.getBytes(StandardCharsets.UTF_8), EventView.class).message();
    } catch (JsonFormatException e) {
      return data;
    }
  }
}
