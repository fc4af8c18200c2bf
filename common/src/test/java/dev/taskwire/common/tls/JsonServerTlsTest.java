package dev.taskwire.common.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.BodyLimits;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.TlsVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A {@link JsonServer} with {@link ServerTls}: https only, and with mutual TLS, clients with a certificate only. */
class JsonServerTlsTest {
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  private TestTls.Ca ca;
  private TestTls.Leaf server;
  private JsonServer running;

  @BeforeEach
  void certificates() {
    ca = TestTls.ca(dir, "a");
    server = TestTls.leaf(ca, dir, "server");
  }

  private JsonServer start(TlsSettings tls) {
    running = JsonServer.create("test", CommonErrorCode.COMMON_FAILURE, BodyLimits.defaults(), tls.server());
    servers.after(running::stop);
    running.get("/hello", ctx -> JsonServer.success(ctx, "Hello!", null));
    return running.start(Servers.LOOPBACK, 0);
  }

  private String hello(boolean https, TlsSettings client) throws IOException {
    HttpEngine.Builder engine = HttpEngine.builder(BaseUrl.of(Servers.LOOPBACK, running.port(), https), Side.MASTER).retries(0);
    if (client != null) {
      engine.tls(client.client());
    }
    return engine.build().send("GET", "/hello", null, Map.of()).message();
  }

  @Test
  void servesHttpsOnTheBoundPortOfPortZeroToAClientTrustingTheCa() throws IOException {
    start(server.settings(false));
    assertNotEquals(0, running.port());
    assertTrue(running.https());
    assertEquals("Hello!", hello(true, server.trustOnly()));
  }

  /** Handshakes with the running server offering only {@code protocol}; returns the version agreed. */
  private String handshakeOffering(String protocol) throws IOException {
    try (SSLSocket socket = (SSLSocket) server.trustOnly().client().sslSocketFactory().createSocket(Servers.LOOPBACK, running.port())) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket.startHandshake();
      return socket.getSession().getProtocol();
    }
  }

  @Test
  void aClientOfferingOnlyTls13IsServedWithTls13() throws IOException {
    start(server.settings(false));
    assertEquals("TLSv1.3", handshakeOffering("TLSv1.3"));
  }

  @Test
  void aClientOfferingOnlyTls12IsStillServed() throws IOException {
    start(server.settings(false));
    assertEquals("TLSv1.2", handshakeOffering("TLSv1.2"));
  }

  @Test
  void anOkHttpClientWithClientTlsNegotiatesTls13() throws IOException {
    start(server.settings(false));
    OkHttpClient client = server.trustOnly().client().applyTo(new OkHttpClient.Builder()).build();
    servers.after(() -> {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    });
    try (Response response = client.newCall(new Request.Builder()
        .url("https://" + Servers.LOOPBACK + ":" + running.port() + "/hello").build()).execute()) {
      assertEquals(200, response.code());
      assertEquals(TlsVersion.TLS_1_3, response.handshake().tlsVersion());
    }
  }

  @Test
  void aClientTrustingOnlyTheJvmStoreRefusesTheCertificate() {
    start(server.settings(false));
    SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> hello(true, null));
    assertTrue(e.getMessage().contains("PKIX"), e.getMessage());
  }

  @Test
  void aClientTrustingAnotherCaRefusesTheCertificate() {
    start(server.settings(false));
    TestTls.Leaf other = TestTls.leaf(TestTls.ca(dir, "b"), dir, "other");
    assertThrows(SSLHandshakeException.class, () -> hello(true, other.trustOnly()));
  }

  @Test
  void aPlainHttpRequestToTheHttpsPortIsNeverAnswered() throws IOException {
    start(server.settings(false));
    assertThrows(IOException.class, () -> hello(false, null));
    // Raw, as a reference peer would send it: nothing comes back that a handler wrote.
    try (Socket socket = new Socket(Servers.LOOPBACK, running.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertFalse(answer.contains("Hello!"), answer);
      assertFalse(answer.startsWith("HTTP/1.1 200"), answer);
    }
  }

  @Test
  void mutualTlsRefusesAClientWithoutACertificateAndAcceptsOneFromTheCa() throws IOException {
    start(server.settings(true));
    assertThrows(IOException.class, () -> hello(true, server.trustOnly())); // alert or reset, by TLS version
    TestTls.Leaf client = TestTls.leaf(ca, dir, "client");
    assertEquals("Hello!", hello(true, client.settings(false)));
  }

  @Test
  void mutualTlsRefusesAClientCertificateFromAnotherCa() {
    start(server.settings(true));
    TestTls.Ca otherCa = TestTls.ca(dir, "b");
    TestTls.Leaf stranger = TestTls.leaf(otherCa, dir, "stranger");
    // The stranger trusts the server's CA, so only its own certificate can fail the handshake.
    TlsSettings settings = TlsSettings.builder().pemIdentity(stranger.certificateFile(), stranger.keyFile())
        .trustedCa(ca.file()).build();
    assertThrows(IOException.class, () -> hello(true, settings));
  }

  @Test
  void servesWithAPkcs12Keystore() throws IOException {
    Path keystore = TestTls.pkcs12(server, dir, "server", "s3cret-pass");
    TlsSettings tls = TlsSettings.builder().pkcs12Identity(keystore, dir.resolve("server.password"))
        .trustedCa(ca.file()).build();
    assertFalse(tls.toString().contains("s3cret-pass"), tls.toString());
    start(tls);
    assertEquals("Hello!", hello(true, server.trustOnly()));
  }
}
