package dev.taskwire.common.http;

import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * Where a peer listens: scheme, host, port and an optional path prefix (for a peer behind a
 * reverse proxy that serves it under {@code /taskwire}, say).
 */
public final class BaseUrl {
  private final HttpUrl root;
  private final String rootText;

  private BaseUrl(HttpUrl root) {
    this.root = root;
    String text = root.toString();
    this.rootText = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  /** {@code http://host:port} or, with {@code https}, {@code https://host:port}. */
  public static BaseUrl of(String host, int port, boolean https) {
    Objects.requireNonNull(host, "host == null");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port not in 1..65535: " + port);
    }
    HttpUrl url =
        new HttpUrl.Builder().scheme(https ? "https" : "http").host(host).port(port).build();
    return new BaseUrl(url);
  }

  /**
   * Parses an address such as {@code http://10.0.0.5:7235} or {@code https://host/prefix}. Without
   * a port, the scheme's default applies (80 or 443), as in the reference.
   *
   * @throws IllegalArgumentException if {@code address} is not an http or https URL
   */
  public static BaseUrl parse(String address) {
    Objects.requireNonNull(address, "address == null");
    HttpUrl url = HttpUrl.parse(address);
    if (url == null) {
      throw new IllegalArgumentException("not an http or https URL: " + address);
    }
    return new BaseUrl(url.newBuilder().query(null).fragment(null).build());
  }

  /** The URL of {@code path} (which starts with {@code /}) below this base. */
  public HttpUrl resolve(String path) {
    HttpUrl url = HttpUrl.parse(rootText + path);
    if (url == null) {
      throw new IllegalArgumentException("bad path: " + path);
    }
    return url;
  }

  public String host() {
    return root.host();
  }

  public int port() {
    return root.port();
  }

  public boolean https() {
    return root.isHttps();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof BaseUrl that && rootText.equals(that.rootText);
  }

  @Override
  public int hashCode() {
    return rootText.hashCode();
  }

  /** The address as text, without a trailing slash, e.g. {@code http://10.0.0.5:7235}. */
  @Override
  public String toString() {
    return rootText;
  }
}
