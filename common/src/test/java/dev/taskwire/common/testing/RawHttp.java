package dev.taskwire.common.testing;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sends hand-written HTTP/1.1 requests over a socket to 127.0.0.1, for what OkHttp will not send:
 * a GET with a body (as the reference does), a body without Content-Type, a chunked body.
 */
public final class RawHttp {
  private RawHttp() {}

  /** A response: status and body. */
  public record Response(int status, String body) {
    /** The body read as an envelope. */
    public Envelope envelope() {
      return Json.read(body.getBytes(StandardCharsets.UTF_8), Envelope.class);
    }
  }

  /** Sends {@code method path} with {@code headers} and a body (null = none) without Content-Type. */
  public static Response send(int port, String method, String path, Map<String, String> headers, String body)
      throws IOException {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("Host", "127.0.0.1:" + port);
    all.put("Connection", "close");
    all.putAll(headers);
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      all.put("Content-Length", Integer.toString(bytes.length));
    }
    return exchange(port, head(method, path, all), bytes);
  }

  /** Sends {@code body} with chunked transfer encoding, which declares no length up front. */
  public static Response sendChunked(int port, String method, String path, byte[] body) throws IOException {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("Host", "127.0.0.1:" + port);
    all.put("Connection", "close");
    all.put("Transfer-Encoding", "chunked");
    ByteArrayOutputStream chunked = new ByteArrayOutputStream();
    chunked.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    chunked.writeBytes(body);
    chunked.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return exchange(port, head(method, path, all), chunked.toByteArray());
  }

  private static String head(String method, String path, Map<String, String> headers) {
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    return head.append("\r\n").toString();
  }

  private static Response exchange(int port, String head, byte[] body) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      try {
        out.write(body);
        out.flush();
      } catch (IOException serverClosedEarly) {
        // A server may answer (413, say) and close before reading the whole body; read its answer.
      }
      return parse(socket.getInputStream().readAllBytes());
    }
  }

  /** Parses a whole raw HTTP answer (status line, headers, body). */
  public static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int headEnd = text.indexOf("\r\n\r\n");
    String head = text.substring(0, headEnd);
    int status = Integer.parseInt(head.split(" ", 3)[1]);
    String body = text.substring(headEnd + 4);
    if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
      body = dechunk(body);
    }
    return new Response(status, body);
  }

  private static String dechunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (true) {
      int lineEnd = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
      if (size == 0) {
        return out.toString();
      }
      out.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }
}
