package dev.taskwire.master.admin;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.http.JettyRequests;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.common.util.NamedThreads;
import dev.taskwire.master.admin.AdminMessages.EventView;
import dev.taskwire.master.scheduler.Scheduler;
import dev.taskwire.master.scheduler.SchedulerEvent;
import dev.taskwire.master.scheduler.SchedulerListener;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of {@code GET /api/v1/events}: each open stream a {@link SchedulerListener} that
 * only puts the event in the stream's bounded buffer (the scheduler's event thread never waits for
 * a socket), and a writer thread of its own that sends the buffer's events as Server-Sent Events
 * through Javalin's {@link SseClient}: {@code event: <TYPE>} and {@code data: <event JSON>}, and a
 * {@code : keep-alive} comment after {@link #DEFAULT_KEEP_ALIVE} without one.
 *
 * <p>Against slow and hostile clients: at most {@value #MAX_STREAMS} streams at once (one more is
 * refused with 429 TOO_MANY_STREAMS before it starts); a client that falls {@value #BUFFER_EVENTS}
 * events behind is sent {@code event: OVERFLOW} if its connection takes it within {@link
 * #OVERFLOW_GRACE}, and is cut then either way, so that a client that never reads holds its writer
 * at most that long. When the master shuts down, each stream sends what it holds and ends (a
 * stream still writing after {@link #SHUTDOWN_GRACE} is cut), and the threads stop.
 *
 * <p>Javalin's {@code app.sse} is not used for the route: it answers only requests whose {@code
 * Accept} is exactly {@code text/event-stream} (others get an empty 200) and sends the 200 before
 * the handler could refuse with 429; this class sets the same headers itself once the stream is
 * admitted, and uses {@link SseClient} to write.
 */
final class EventStreams {
  /** The most streams open at once. */
  static final int MAX_STREAMS = 16;
  /** The events a stream holds for a slow client before it gives up on it. */
  static final int BUFFER_EVENTS = 10_000;
  /** A comment is sent after this long without an event, so that proxies and clients see the stream alive. */
  static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(15);
  /** How long a stream that overflowed may take to write its OVERFLOW event before it is cut. */
  static final Duration OVERFLOW_GRACE = Duration.ofSeconds(1);
  /** How long the master's shutdown waits for streams to send what they hold and end. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(EventStreams.class);
  /** Buffer markers: the client fell behind; the stream is to end after what it holds. */
  private static final Object OVERFLOWED = new Object();
  private static final Object END = new Object();
  /** Wakes a writer waiting for an event, to look at its state. */
  private static final Object WAKE = new Object();

  private final Scheduler scheduler;
  private final Duration keepAlive;
  private final Object lock = new Object();
  private final Set<Stream> open = new HashSet<>(); // guarded by lock
  private boolean closed; // guarded by lock
  private final ThreadPoolExecutor writers;
  private final ScheduledThreadPoolExecutor watchdog;

  EventStreams(Scheduler scheduler, Duration keepAlive) {
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
    // One writer per stream; the queue only holds a new stream's writer for the moment an ended
    // stream's thread takes to return, since a stream's place is freed as its writer's last act.
    this.writers = new ThreadPoolExecutor(MAX_STREAMS, MAX_STREAMS, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        NamedThreads.numberedDaemons("taskwire-master-events"));
    writers.allowCoreThreadTimeOut(true);
    this.watchdog = new ScheduledThreadPoolExecutor(1, NamedThreads.daemon("taskwire-master-events-watchdog"));
    watchdog.setKeepAliveTime(5, TimeUnit.SECONDS);
    watchdog.allowCoreThreadTimeOut(true);
    watchdog.setRemoveOnCancelPolicy(true);
  }

  /** Streams open now. */
  int open() {
    synchronized (lock) {
      return open.size();
    }
  }

  /**
   * Starts a stream on {@code ctx} (an admitted, authorized request), or refuses it: 429
   * TOO_MANY_STREAMS when {@value #MAX_STREAMS} are open, 409 CONFLICT when the master is shutting
   * down.
   */
  void start(Context ctx) {
    Stream stream = new Stream(ctx);
    synchronized (lock) {
      if (closed) {
        throw AdminErrorCode.CONFLICT.exception("the master is shutting down: no new event streams");
      }
      if (open.size() >= MAX_STREAMS) {
        throw AdminErrorCode.TOO_MANY_STREAMS.exception("at most " + MAX_STREAMS + " event streams at once; "
            + MAX_STREAMS + " are open", Map.of(AdminResponseException.TooManyStreams.MAX, MAX_STREAMS));
      }
      open.add(stream);
    }
    boolean started = false;
    try {
      // Listening before the answer starts: a client that sees the 200 misses no later event.
      scheduler.addListener(stream);
      HttpServletResponse response = ctx.res();
      response.setStatus(200);
      response.setCharacterEncoding("UTF-8");
      response.setContentType("text/event-stream");
      response.setHeader("Cache-Control", "no-cache");
      response.setHeader("X-Accel-Buffering", "no"); // a proxy in front must not hold the events back
      response.flushBuffer();
      stream.client = new SseClient(ctx);
      // The writer starts once the request is asynchronous: only then may another thread write.
      ctx.future(() -> {
        try {
          writers.execute(stream::write);
        } catch (RejectedExecutionException shutDown) {
          stream.release();
          stream.done.complete(null);
        }
        return stream.done;
      });
      started = true;
    } catch (IOException clientGone) {
      log.debug("Event stream not started, the client went away: {}", clientGone.toString());
    } finally {
      if (!started) {
        stream.release();
      }
    }
  }

  /**
   * The master is shutting down: every stream sends the events it holds and ends; those still
   * writing after {@link #SHUTDOWN_GRACE} are cut. Then the threads stop. Waits at most about
   * {@link #SHUTDOWN_GRACE} and a second.
   */
  void shutdown() {
    List<Stream> streams;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      streams = new ArrayList<>(open);
    }
    for (Stream stream : streams) {
      stream.end(END);
    }
    writers.shutdown();
    try {
      if (!writers.awaitTermination(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        synchronized (lock) {
          streams = new ArrayList<>(open);
        }
        log.info("{} event stream(s) still writing {} ms into the shutdown; cutting them", streams.size(),
            SHUTDOWN_GRACE.toMillis());
        for (Stream stream : streams) {
          stream.cut("the master is shutting down");
        }
        if (!writers.awaitTermination(1, TimeUnit.SECONDS)) {
          log.warn("Event stream writers still running after the cut; not waiting for them");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watchdog.shutdownNow();
  }

  /** One client's stream: a listener filling the buffer, and the writer that empties it. */
  private final class Stream implements SchedulerListener {
    /** Jetty's request, to cut the connection; null if the request is not Jetty's own. */
    /** Cuts this stream's connection; null if the request is not Jetty's own. */
    private final Consumer<Throwable> cutConnection;
    /** The client's address, for the log (read while the request is live). */
    private final String remote;
    // One place more than the events, so that an end marker always fits.
    private final ArrayBlockingQueue<Object> buffer = new ArrayBlockingQueue<>(BUFFER_EVENTS + 1);
    private final AtomicBoolean stopped = new AtomicBoolean(); // no more events taken
    private final AtomicBoolean released = new AtomicBoolean();
    /** Set, under this stream's monitor, as the writer finishes: from then on a cut must not touch the request. */
    private boolean finished;
    /** Completed when the stream ends: Javalin then completes the response. */
    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile SseClient client;

    Stream(Context ctx) {
      this.cutConnection = JettyRequests.connectionCutter(ctx);
      this.remote = LogSafe.escape(ctx.req().getRemoteAddr() + ":" + ctx.req().getRemotePort());
    }

    /** On the scheduler's event thread: only a put into the buffer, never a write. */
    @Override
    public void onEvent(SchedulerEvent event) {
      if (stopped.get()) {
        return;
      }
      if (buffer.remainingCapacity() <= 1 || !buffer.offer(event)) {
        overflow();
      }
    }

    private void overflow() {
      if (!stopped.compareAndSet(false, true)) {
        return;
      }
      scheduler.removeListener(this);
      buffer.clear(); // the client will not get them: free them now
      buffer.offer(OVERFLOWED);
      log.info("Event stream of {} fell {} events behind; sending OVERFLOW and closing it", remote, BUFFER_EVENTS);
      try {
        watchdog.schedule(() -> cut("it fell " + BUFFER_EVENTS + " events behind"), OVERFLOW_GRACE.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        // The shutdown cuts what is left.
      }
    }

    /** Takes no more events and ends after what the buffer holds ({@code marker} {@link #END}). */
    void end(Object marker) {
      if (stopped.compareAndSet(false, true)) {
        scheduler.removeListener(this);
        if (!buffer.offer(marker)) {
          buffer.clear();
          buffer.offer(marker);
        }
      } else {
        buffer.offer(WAKE);
      }
    }

    /** Runs on the stream's writer thread for the stream's whole life. */
    void write() {
      SseClient sse = client;
      try {
        long idleSince = System.nanoTime();
        while (!sse.terminated() && !done.isDone()) {
          long wait = keepAlive.toNanos() - (System.nanoTime() - idleSince);
          Object item = wait > 0 ? buffer.poll(wait, TimeUnit.NANOSECONDS) : null;
          if (item == null) {
            sse.sendComment("keep-alive");
          } else if (item instanceof SchedulerEvent event) {
            sse.sendEvent(event.type().name(), Json.toString(AdminViews.of(event)));
          } else if (item == OVERFLOWED) {
            sse.sendEvent(EventView.OVERFLOW, Json.toString(new EventView(EventView.OVERFLOW, Instant.now().toString(),
                null, null, null, null, null, null, "this stream fell " + BUFFER_EVENTS + " events behind and is closed;"
                + " reconnect, and read what was missed with GET /api/v1/jobs and /api/v1/scheduler", null)));
            break;
          } else if (item == END) {
            break;
          } else {
            continue; // WAKE: look at the state again
          }
          idleSince = System.nanoTime();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        log.error("Event stream of {} failed", remote, e);
      } finally {
        stopped.set(true);
        scheduler.removeListener(this);
        sse.close();
        synchronized (this) {
          // Once the response completes, Jetty may reuse the request for the connection's next one.
          finished = true;
        }
        release();
        // Last: Javalin completes the response on this thread (asynchronously for Jetty's part).
        done.complete(null);
      }
    }

    /**
     * Cuts the connection (from another thread than the writer's): a write blocked on a client that
     * does not read fails, and the writer ends.
     */
    void cut(String why) {
      synchronized (this) {
        if (finished) {
          return;
        }
        log.info("Cutting the event stream of {}: {}", remote, why);
        if (cutConnection != null) {
          try {
            cutConnection.accept(new IOException("event stream cut: " + why));
          } catch (RuntimeException e) {
            log.debug("Cutting the event stream of {} failed: {}", remote, e.toString());
          }
        }
      }
      end(END);
    }

    /** Frees its place among the open streams; once. */
    void release() {
      if (released.compareAndSet(false, true)) {
        scheduler.removeListener(this);
        synchronized (lock) {
          open.remove(this);
        }
      }
    }
  }
}
