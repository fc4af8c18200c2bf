package dev.taskwire.common.http;

import dev.taskwire.common.tls.ServerTls;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The one connector of a server that serves https: Jetty's own TLS with the identity of a {@link
 * ServerTls}, HTTP/1.1 only (the protocol's), {@link ServerTls#PROTOCOLS} and Jetty's default
 * cipher suites (which leave out the weak ones), and for mutual TLS a client certificate that
 * chains to {@link ServerTls#clientCas()} required at the handshake. No plain connector is made
 * beside it: there is nothing to downgrade to.
 *
 * <p>Built on Jetty rather than through Javalin's SSL plugin: the identity is already loaded and
 * checked ({@link dev.taskwire.common.tls.TlsSettings}), so all the plugin did was wrap Jetty, and
 * it pinned the server to the plugin's releases and cipher lists (its default offered no TLS 1.3
 * suite).
 */
final class HttpsConnector {
  private HttpsConnector() {}

  /** The connector on {@code host}:{@code port} of {@code server}, with {@code http}'s settings. */
  static ServerConnector create(Server server, HttpConfiguration http, ServerTls tls, String host, int port) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    // An in-memory store under a password made for it alone: the store never leaves the process.
    char[] password = oneTimePassword();
    ssl.setKeyStore(tls.keyStore(password));
    ssl.setKeyStorePassword(new String(password));
    ssl.setCertAlias(ServerTls.ALIAS);
    ssl.setIncludeProtocols(ServerTls.PROTOCOLS.toArray(new String[0]));
    // Peers reach each other by address: checking the name is the client's part of TLS.
    ssl.setSniRequired(false);
    if (tls.requiresClientCertificate()) {
      ssl.setTrustStore(trustStore(tls));
      ssl.setNeedClientAuth(true);
    }
    HttpConfiguration https = new HttpConfiguration(http);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Jetty would answer 400 to a request whose Host is not among the certificate's names.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
        new HttpConnectionFactory(https));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }

  private static KeyStore trustStore(ServerTls tls) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (X509Certificate ca : tls.clientCas()) {
        store.setCertificateEntry("client-ca-" + i++, ca);
      }
      return store;
    } catch (GeneralSecurityException | IOException e) {
      // An in-memory store of certificates already read: only a JVM without PKCS12.
      throw new IllegalStateException("cannot make an in-memory trust store: " + e, e);
    }
  }

  private static char[] oneTimePassword() {
    byte[] random = new byte[18];
    new SecureRandom().nextBytes(random);
    return Base64.getEncoder().encodeToString(random).toCharArray();
  }
}
