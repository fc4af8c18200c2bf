package dev.taskwire.common.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import okhttp3.tls.HeldCertificate;

/**
 * What an https server of this process needs: its certificate chain and private key, and, for
 * mutual TLS, the CA certificates a client's certificate must chain to. Made by {@link
 * TlsSettings#server()}.
 */
public final class ServerTls {
  /**
   * The TLS versions an https server offers, newest first: a client that knows TLS 1.3 gets it, one
   * that stops at 1.2 is still served. Nothing older, as Mozilla's "intermediate" profile.
   */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** The alias of the identity in {@link #keyStore(char[])}. */
  public static final String ALIAS = "taskwire";

  private final HeldCertificate identity;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> clientCas;
  private final String description;

  ServerTls(HeldCertificate identity, List<X509Certificate> chain, List<X509Certificate> clientCas, String description) {
    this.identity = identity;
    this.chain = List.copyOf(chain);
    this.clientCas = List.copyOf(clientCas);
    this.description = description;
  }

  /**
   * A new in-memory PKCS12 keystore holding the identity under {@link #ALIAS}, its key protected by
   * {@code password} (any value: the store never leaves the process).
   */
  public KeyStore keyStore(char[] password) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, password);
      List<Certificate> certificates = new ArrayList<>(chain);
      store.setKeyEntry(ALIAS, identity.keyPair().getPrivate(), password, certificates.toArray(new Certificate[0]));
      return store;
    } catch (GeneralSecurityException | IOException e) {
      // Only an in-memory store of a key and chain already checked at load: a JVM without PKCS12.
      throw new IllegalStateException("cannot make an in-memory PKCS12 keystore: " + e, e);
    }
  }

  /** The certificate the server presents, first, then the rest of its chain. */
  public List<X509Certificate> certificateChain() {
    return chain;
  }

  /** Whether clients must present a certificate that chains to {@link #clientCas()} (mutual TLS). */
  public boolean requiresClientCertificate() {
    return !clientCas.isEmpty();
  }

  /** The CA certificates a client's certificate must chain to; empty unless mutual. */
  public List<X509Certificate> clientCas() {
    return clientCas;
  }

  @Override
  public String toString() {
    return "ServerTls{" + description + "}";
  }
}
