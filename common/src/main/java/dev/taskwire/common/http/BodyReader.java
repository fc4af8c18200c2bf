package dev.taskwire.common.http;

import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.ResponseException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * Reads request bodies within bounds that no client can push a server past: a size limit per kind
 * of endpoint, a time limit for the whole body, and a cap on how many large bodies are held at
 * once.
 *
 * <ul>
 *   <li>{@link BodyLimits#controlBytes()} for control requests ({@code /connect}, {@code
 *       /disconnect}, heartbeats, cancels); {@link BodyLimits#dataBytes()} only where task data
 *       and results travel. Over the limit: 413.
 *   <li>The whole body must arrive within {@link BodyLimits#timeout()} of the request's start: a
 *       client that trickles bytes is answered 408 at the deadline (one that sends nothing at all
 *       has its connection closed then), so it holds an HTTP thread no longer than that.
 *   <li>At most {@link BodyLimits#largeBodiesAtOnce()} bodies larger than the control limit are
 *       read and parsed at once (JSON parsed into maps takes many times its size on the heap);
 *       others wait for a turn within their deadline, then are answered 429.
 *   <li>At most {@code readersAtOnce} requests read a body at once; one more is answered 429 at
 *       once, so that slow clients can never hold every HTTP thread: the rest serve requests
 *       without a body (heartbeats, health) and Jetty itself.
 * </ul>
 */
final class BodyReader {
  private static final int CHUNK = 16 * 1024;

  private final BodyLimits limits;
  private final Semaphore largeBodies;
  private final int readersAtOnce;
  private final Semaphore readers;

  BodyReader(BodyLimits limits, int readersAtOnce) {
    this.limits = limits;
    this.largeBodies = new Semaphore(limits.largeBodiesAtOnce(), true);
    this.readersAtOnce = readersAtOnce;
    this.readers = new Semaphore(readersAtOnce);
  }

  BodyLimits limits() {
    return limits;
  }

  /** What a caller does with a body while it holds the right to (parse it, say). */
  interface BodyUse<T> {
    T use(byte[] body);
  }

  /**
   * Reads the body of {@code ctx}, at most {@code limit} bytes, and hands it to {@code use} while
   * the body's share of memory is still reserved.
   *
   * @throws ResponseException 413 over the limit, 408 past the deadline, 429 when too many
   *     requests read a body or no turn for a large body came within the deadline
   * @throws JsonFormatException if the body could not be read (the client went away)
   */
  <T> T read(Context ctx, long limit, BodyUse<T> use) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(limit); // declared too large: refused without reading it
    }
    if (!readers.tryAcquire()) {
      throw CommonErrorCode.TOO_MANY_REQUESTS.exception(
          "too many requests reading a body at once (" + readersAtOnce + "); retry later");
    }
    try {
      return readWithTurn(ctx, limit, declared, use);
    } finally {
      readers.release();
    }
  }

  private <T> T readWithTurn(Context ctx, long limit, long declared, BodyUse<T> use) {
    ServletContextRequest jetty = JettyRequests.of(ctx);
    long deadlineNanos = deadlineNanos(jetty);
    EndPoint endPoint = jetty == null ? null : jetty.getConnectionMetaData().getConnection().getEndPoint();
    long idleBefore = endPoint == null ? 0 : endPoint.getIdleTimeout();
    boolean large = false;
    boolean idleChanged = false;
    try (InputStream in = ctx.req().getInputStream()) {
      if (declared > limits.controlBytes()) {
        large = takeTurn(deadlineNanos);
      }
      byte[] buffer = new byte[(int) Math.min(declared >= 0 ? declared + 1 : CHUNK, limit + 1)];
      int size = 0;
      while (true) {
        if (size == buffer.length) {
          if (size > limit) {
            throw tooLarge(limit);
          }
          if (!large && size > limits.controlBytes()) {
            large = takeTurn(deadlineNanos);
          }
          buffer = Arrays.copyOf(buffer, (int) Math.min((long) buffer.length * 2, limit + 1));
        }
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
          throw tooSlow();
        }
        if (endPoint != null && in.available() == 0) {
          // This read would block: one blocked past the deadline ends with an idle timeout, so the
          // thread is freed then. (A body already here, the common case, is read without it.)
          endPoint.setIdleTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
          idleChanged = true;
        }
        int read = in.read(buffer, size, buffer.length - size);
        if (read < 0) {
          break;
        }
        size += read;
      }
      if (size > limit) {
        throw tooLarge(limit);
      }
      return use.use(size == buffer.length ? buffer : Arrays.copyOf(buffer, size));
    } catch (IOException e) {
      if (e.getCause() instanceof TimeoutException || System.nanoTime() - deadlineNanos >= 0) {
        throw tooSlow(); // the idle timeout set above ended the read at the deadline
      }
      throw new JsonFormatException("body could not be read: " + e.getMessage(), e);
    } finally {
      if (idleChanged) {
        endPoint.setIdleTimeout(idleBefore);
      }
      if (large) {
        largeBodies.release();
      }
    }
  }

  /** The body's deadline: the timeout counted from when the request's headers arrived. */
  private long deadlineNanos(ServletContextRequest jetty) {
    long begun = jetty == null ? System.nanoTime() : jetty.getBeginNanoTime();
    return begun + limits.timeout().toNanos();
  }

  /** Waits within the deadline for the right to hold a large body; always true, or throws 429. */
  private boolean takeTurn(long deadlineNanos) {
    try {
      if (largeBodies.tryAcquire(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw CommonErrorCode.TOO_MANY_REQUESTS.exception(
        "too many large bodies at once (" + limits.largeBodiesAtOnce() + "); retry later");
  }

  private static ResponseException tooLarge(long limit) {
    return CommonErrorCode.BODY_TOO_LARGE.exception("body larger than " + limit + " bytes");
  }

  private ResponseException tooSlow() {
    return CommonErrorCode.REQUEST_TIMEOUT.exception(
        "body not received within " + limits.timeout().toMillis() + " ms");
  }
}
