package dev.taskwire.common.tls;

import java.util.Objects;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * What an https client of this process needs: the sockets (with the process's own certificate, if
 * it has one, for a peer that asks for it) and the trust manager that checks the peer's
 * certificate. Made by {@link TlsSettings#client()}; applied to an OkHttp client with {@link
 * #applyTo(OkHttpClient.Builder)}. OkHttp offers TLS 1.3 and 1.2 (its {@code MODERN_TLS} spec),
 * so it agrees on 1.3 with a server that has it ({@link ServerTls#PROTOCOLS}).
 */
public final class ClientTls {
  private final SSLSocketFactory sslSocketFactory;
  private final X509TrustManager trustManager;
  private final HostnameVerifier hostnameVerifier;
  private final String description;

  ClientTls(SSLSocketFactory sslSocketFactory, X509TrustManager trustManager, HostnameVerifier hostnameVerifier,
      String description) {
    this.sslSocketFactory = Objects.requireNonNull(sslSocketFactory, "sslSocketFactory == null");
    this.trustManager = Objects.requireNonNull(trustManager, "trustManager == null");
    this.hostnameVerifier = hostnameVerifier;
    this.description = description;
  }

  /** The factory of TLS sockets, presenting the process's certificate when the peer asks for one. */
  public SSLSocketFactory sslSocketFactory() {
    return sslSocketFactory;
  }

  /** Checks the peer's certificate: against the CA file if one was given, else the JVM's trust store. */
  public X509TrustManager trustManager() {
    return trustManager;
  }

  /**
   * Sets this TLS on {@code builder} and returns it. Keeps everything else of the builder (its
   * pool and dispatcher); connections made with other TLS settings are never shared, because
   * OkHttp keys its pool by them.
   */
  public OkHttpClient.Builder applyTo(OkHttpClient.Builder builder) {
    builder.sslSocketFactory(sslSocketFactory, trustManager);
    if (hostnameVerifier != null) {
      builder.hostnameVerifier(hostnameVerifier);
    }
    return builder;
  }

  @Override
  public String toString() {
    return "ClientTls{" + description + "}";
  }
}
