package dev.taskwire.common.http;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.ResponseExceptions;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.tls.ClientTls;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Sends protocol requests to one peer and reads its envelopes.
 *
 * <p>Every engine shares one connection pool and dispatcher, so a master with many connections
 * keeps few sockets and threads. A transport error is retried {@code retries} times, {@code
 * retryWait} apart, as the {@link RetryPolicy} allows; a failure response is never retried and is
 * thrown as the {@link ResponseException} subclass of its code.
 */
public final class HttpEngine {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final int EXCERPT_CHARS = 200;
  private static final OkHttpClient SHARED = sharedClient();

  private final OkHttpClient client;
  private final BaseUrl baseUrl;
  private final Side peer;
  private final int retries;
  private final Duration retryWait;
  private final long maxAnswerBytes;
  /** Resolved once per path: parsing a URL per request showed in profiles. */
  private final Map<String, HttpUrl> urls = new ConcurrentHashMap<>();

  private HttpEngine(Builder builder) {
    this.baseUrl = builder.baseUrl;
    this.peer = builder.peer;
    this.retries = builder.retries;
    this.retryWait = builder.retryWait;
    this.maxAnswerBytes = builder.maxAnswerBytes;
    OkHttpClient.Builder client =
        SHARED
            .newBuilder()
            .connectTimeout(builder.connectTimeout)
            .readTimeout(builder.readTimeout)
            .writeTimeout(builder.readTimeout)
            // A peer that trickles bytes cannot hold a call longer than this.
            .callTimeout(builder.callTimeout != null ? builder.callTimeout
                : builder.connectTimeout.plus(builder.readTimeout.multipliedBy(2)))
            .eventListener(builder.eventListener);
    if (builder.tls != null) {
      builder.tls.applyTo(client);
    }
    this.client = client.build();
  }

  /** A builder for an engine that talks to {@code peer} at {@code baseUrl}. */
  public static Builder builder(BaseUrl baseUrl, Side peer) {
    return new Builder(baseUrl, peer);
  }

  /** The peer's address. */
  public BaseUrl baseUrl() {
    return baseUrl;
  }

  /** Sends a request retried on any transport error. See {@link #send(String, String, Object, Map, RetryPolicy)}. */
  public Envelope send(String method, String path, Object body, Map<String, String> headers)
      throws IOException {
    return send(method, path, body, headers, RetryPolicy.ANY_TRANSPORT_ERROR);
  }

  /**
   * Sends {@code body} (serialized as JSON; ignored for GET, which OkHttp sends without one) to
   * {@code path} with {@code headers}, and returns the success envelope.
   *
   * @throws ResponseException for a failure response (HTTP status not 2xx, or {@code success} false)
   * @throws IOException when the peer could not be reached after the retries
   */
  public Envelope send(
      String method, String path, Object body, Map<String, String> headers, RetryPolicy policy)
      throws IOException {
    Request request = buildRequest(method, path, body, headers);
    for (int attempt = 0; ; attempt++) {
      try (Response response = client.newCall(request).execute()) {
        return readEnvelope(response);
      } catch (IOException e) {
        if (attempt >= retries || !policy.retries(e)) {
          throw e;
        }
        sleepBeforeRetry(e);
      }
    }
  }

  private Request buildRequest(
      String method, String path, Object body, Map<String, String> headers) {
    Request.Builder builder = new Request.Builder().url(urls.computeIfAbsent(path, baseUrl::resolve));
    headers.forEach(builder::addHeader);
    RequestBody requestBody =
        "GET".equals(method) ? null : RequestBody.create(Json.toBytes(body == null ? Map.of() : body), JSON);
    return builder.method(method, requestBody).build();
  }

  private Envelope readEnvelope(Response response) throws IOException {
    ResponseBody responseBody = response.body();
    byte[] bytes = responseBody == null ? new byte[0] : readBounded(responseBody);
    Envelope envelope;
    try {
      envelope = Json.read(bytes, Envelope.class);
    } catch (JsonFormatException e) {
      throw ResponseExceptions.withoutEnvelope(response.code(), excerpt(bytes));
    }
    if (envelope == null) {
      throw ResponseExceptions.withoutEnvelope(response.code(), "empty body");
    }
    if (!response.isSuccessful() || !envelope.success()) {
      throw ResponseExceptions.fromResponse(peer, response.code(), envelope);
    }
    return envelope;
  }

  /** Reads at most {@link Builder#maxAnswerBytes(long)}: a larger answer is not an envelope of ours. */
  private byte[] readBounded(ResponseBody body) throws IOException {
    try (java.io.InputStream in = body.byteStream()) {
      byte[] bytes = in.readNBytes((int) maxAnswerBytes + 1);
      if (bytes.length > maxAnswerBytes) {
        throw new IOException("answer larger than " + maxAnswerBytes + " bytes");
      }
      return bytes;
    }
  }

  private void sleepBeforeRetry(IOException cause) throws InterruptedIOException {
    try {
      Thread.sleep(retryWait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("interrupted between retries");
      interrupted.addSuppressed(cause);
      throw interrupted;
    }
  }

  private static String excerpt(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    String body = text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS) + "…";
    return "response is not an envelope: " + body;
  }

  private static OkHttpClient sharedClient() {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(64);
    return new OkHttpClient.Builder()
        // Nagle's algorithm held the tail of every large body until the peer's delayed ACK (40 ms
        // on Linux): 64 KiB tasks ran at ~30/s. Requests are written whole, so send at once.
        .socketFactory(new NoDelaySocketFactory())
        // Retries are ours alone, so that a report is repeated only as its RetryPolicy allows:
        // OkHttp's own silent retry could deliver a report twice to a reference master.
        .retryOnConnectionFailure(false)
        // A redirect is never followed: a peer (or anyone who names an address to a master, as a
        // join does) could otherwise turn a request into a GET of any URL carrying our headers,
        // or move it from https to plain http. A 3xx is answered as what it is: not an envelope.
        .followRedirects(false)
        .followSslRedirects(false)
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(64, 5, TimeUnit.MINUTES))
        .build();
  }

  /** Configures an {@link HttpEngine}. */
  public static final class Builder {
    private final BaseUrl baseUrl;
    private final Side peer;
    private int retries = ProtocolDefaults.DEFAULT_REQUEST_RETRIES;
    private Duration retryWait = ProtocolDefaults.DEFAULT_RETRY_WAIT;
    private Duration connectTimeout = ProtocolDefaults.DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = ProtocolDefaults.DEFAULT_READ_TIMEOUT;
    private long maxAnswerBytes = ProtocolDefaults.DEFAULT_MAX_BODY_BYTES;
    private okhttp3.EventListener eventListener = okhttp3.EventListener.NONE;
    private ClientTls tls;
    private Duration callTimeout;

    private Builder(BaseUrl baseUrl, Side peer) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl == null");
      this.peer = Objects.requireNonNull(peer, "peer == null");
    }

    /** Retries after a transport error; if unset, {@value ProtocolDefaults#DEFAULT_REQUEST_RETRIES}. */
    public Builder retries(int retries) {
      if (retries < ProtocolDefaults.MIN_REQUEST_RETRIES) {
        throw new IllegalArgumentException("retries < 0: " + retries);
      }
      this.retries = retries;
      return this;
    }

    /** The wait between retries; if unset, 1 s. */
    public Builder retryWait(Duration retryWait) {
      Objects.requireNonNull(retryWait, "retryWait == null");
      if (retryWait.isNegative()) {
        throw new IllegalArgumentException("retryWait < 0: " + retryWait);
      }
      this.retryWait = retryWait;
      return this;
    }

    /** How long to wait for a TCP connection; if unset, 5 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** How long to wait for the peer's answer (and to send the body); if unset, 30 s. */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = positive(timeout, "readTimeout");
      return this;
    }

    /**
     * How long one attempt may take in all, from connecting to the last byte of the answer; if
     * unset, the connect timeout plus twice the read timeout. The attempt ends then, whatever
     * the connect and read timeouts.
     */
    public Builder callTimeout(Duration timeout) {
      this.callTimeout = positive(timeout, "callTimeout");
      return this;
    }

    /**
     * The largest answer read; a larger one fails the call with an {@link IOException}. If unset,
     * 16 MiB, the largest body a peer accepts.
     */
    public Builder maxAnswerBytes(long maxAnswerBytes) {
      if (maxAnswerBytes < 1 || maxAnswerBytes >= Integer.MAX_VALUE) {
        throw new IllegalArgumentException("maxAnswerBytes not in 1.." + (Integer.MAX_VALUE - 1) + ": " + maxAnswerBytes);
      }
      this.maxAnswerBytes = maxAnswerBytes;
      return this;
    }

    /**
     * The TLS of https requests: whom to trust, and the certificate to present; if unset, the
     * JVM's defaults (its trust store, no client certificate). Applied on top of the shared client,
     * so the pool and dispatcher stay shared. Plain http addresses are not affected.
     */
    public Builder tls(ClientTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls == null");
      return this;
    }

    /**
     * Told of each call's events (attempts, connection failures); if unset, none. Package-private:
     * for tests that count attempts no server can see, such as refused connections.
     */
    Builder eventListener(okhttp3.EventListener listener) {
      this.eventListener = Objects.requireNonNull(listener, "listener == null");
      return this;
    }

    public HttpEngine build() {
      return new HttpEngine(this);
    }

    private static Duration positive(Duration value, String name) {
      Objects.requireNonNull(value, name + " == null");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " <= 0: " + value);
      }
      return value;
    }
  }
}
