package dev.taskwire.common.http;

import dev.taskwire.common.protocol.ErrorCode;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.tls.ClientTls;
import dev.taskwire.common.util.LogSafe;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The header checks both sides run, in the protocol's order (shutting down, channel, token), and
 * the self endpoints {@code GET /ping} and {@code DELETE /shutdown}, with each side's codes and the
 * reference's messages. Each check throws its code's exception; the {@link JsonServer} answers it.
 */
public final class RequestChecks {
  /**
   * One side's codes for the shared checks, and the word its messages use for its own token
   * ("Slave token not found." on a slave, "Master token not found." on a master).
   */
  public record Codes(ErrorCode shuttingDown, ErrorCode channelNotGiven, ErrorCode channelInvalid,
      ErrorCode selfTokenNotGiven, ErrorCode selfTokenInvalid, String selfName) {}

  private final Codes codes;
  private final long channel;
  private final Token selfToken;
  private final BooleanSupplier shuttingDown;

  public RequestChecks(Codes codes, long channel, Token selfToken, BooleanSupplier shuttingDown) {
    this.codes = codes;
    this.channel = channel;
    this.selfToken = selfToken;
    this.shuttingDown = shuttingDown;
  }

  /** Registers {@code /ping} and {@code /shutdown}: no channel check, as in the reference. */
  public void registerSelfEndpoints(JsonServer server, Runnable shutdownInBackground) {
    server.get("/ping", ctx -> {
      notShuttingDown();
      selfToken(ctx);
      JsonServer.success(ctx, "PONG!", null);
    });
    server.delete("/shutdown", ctx -> {
      notShuttingDown();
      selfToken(ctx);
      JsonServer.afterResponse(ctx, shutdownInBackground);
      JsonServer.success(ctx, "Shutdown request received, this server will be down later.", null);
    });
  }

  /**
   * Sends {@code GET /ping} with {@code selfToken} to this process, listening on {@code listenHost}
   * (the wildcard addresses are reached through 127.0.0.1) and {@code port} over plain http;
   * returns the message.
   */
  public static String ping(String listenHost, int port, Side side, Token selfToken) throws IOException {
    return ping(listenHost, port, side, selfToken, null);
  }

  /**
   * {@link #ping(String, int, Side, Token)} over https with {@code tls} (see {@link
   * dev.taskwire.common.tls.TlsSettings#self()}), or over plain http if {@code tls} is null.
   */
  public static String ping(String listenHost, int port, Side side, Token selfToken, ClientTls tls) throws IOException {
    String host = listenHost.equals("0.0.0.0") || listenHost.equals("::") ? "127.0.0.1" : listenHost;
    HttpEngine.Builder self = HttpEngine.builder(BaseUrl.of(host, port, tls != null), side).retries(0);
    if (tls != null) {
      self.tls(tls);
    }
    return self.build().send("GET", "/ping", null, Map.of(Headers.TOKEN, selfToken.value())).message();
  }

  /** Refuses every request while the process shuts down: 401/101. */
  public void notShuttingDown() {
    if (shuttingDown.getAsBoolean()) {
      throw codes.shuttingDown().exception("System has already been shutting down.");
    }
  }

  /**
   * The one value of header {@code name}, or null if it is missing. A header given more than once
   * is refused with {@code notGiven} (a 400 code): which of two values counts is not for a server
   * to guess, and a proxy and a server guessing differently is how requests get smuggled.
   */
  public static String singleHeader(Context ctx, String name, ErrorCode notGiven) {
    java.util.Enumeration<String> values = ctx.req().getHeaders(name);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String value = values.nextElement();
    if (values.hasMoreElements()) {
      throw notGiven.exception(name + " header given more than once.");
    }
    return value;
  }

  /** The Channel header must be this process's channel, read as a number as the reference does. */
  public void channel(Context ctx) {
    String header = singleHeader(ctx, Headers.CHANNEL, codes.channelNotGiven());
    if (header == null || header.isBlank()) {
      throw codes.channelNotGiven().exception("Channel not found.");
    }
    long value;
    try {
      value = Long.parseLong(header.trim()); // as the reference's int(header): "042" is 42
    } catch (NumberFormatException e) {
      throw codes.channelInvalid().exception("Channel is not a number: '" + LogSafe.escape(header) + "'.");
    }
    if (value != channel) {
      throw codes.channelInvalid().exception("Channel not match with this endpoint.");
    }
  }

  /** The Token header of a self request must be this process's own token. */
  public void selfToken(Context ctx) {
    String token = singleHeader(ctx, Headers.TOKEN, codes.selfTokenNotGiven());
    if (token == null || token.isEmpty()) {
      throw codes.selfTokenNotGiven().exception(codes.selfName() + " token not found.");
    }
    if (!selfToken.matches(token)) {
      throw codes.selfTokenInvalid().exception(codes.selfName() + " token not match with this endpoint.");
    }
  }
}
