package dev.taskwire.common.tls;

import dev.taskwire.common.security.SecretFile;
import dev.taskwire.common.tls.TlsSettingsException.Part;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.tls.Certificates;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * The TLS of one process: its identity (a certificate and private key, from PEM files or a PKCS12
 * keystore), the CA it trusts peers by (a PEM file; if none, the JVM's trust store), and whether
 * its server requires clients to present a certificate from that CA (mutual TLS).
 *
 * <p>Every file is read and checked by {@link Builder#build()}, so a bad file fails at start with
 * a {@link TlsSettingsException} naming it, not at the first handshake. Two views serve the two
 * roles: {@link #server()} for the process's https server, {@link #client()} for its calls to
 * peers. A client that only needs to trust a CA (the CLI) builds settings with a CA and no
 * identity.
 *
 * <pre>{@code
 * TlsSettings tls = TlsSettings.builder()
 *     .pemIdentity(Path.of("master.pem"), Path.of("master.key"))
 *     .trustedCa(Path.of("ca.pem"))
 *     .mutual(true)
 *     .build();
 * }</pre>
 *
 * <p>{@link #toString()} names the files, never a password or a key.
 */
public final class TlsSettings {
  private final HeldCertificate identity;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> trustedCas;
  private final boolean mutual;
  private final String description;
  private final ClientTls client;

  private TlsSettings(HeldCertificate identity, List<X509Certificate> chain, List<X509Certificate> trustedCas,
      boolean mutual, String description) {
    this.identity = identity;
    this.chain = List.copyOf(chain);
    this.trustedCas = List.copyOf(trustedCas);
    this.mutual = mutual;
    this.description = description;
    this.client = newClient();
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether the process has a certificate of its own (needed to serve https). */
  public boolean hasIdentity() {
    return identity != null;
  }

  /** Whether the server requires each client to present a certificate from the trusted CA. */
  public boolean mutual() {
    return mutual;
  }

  /** The CA certificates peers must chain to; empty when the JVM's trust store decides. */
  public List<X509Certificate> trustedCas() {
    return trustedCas;
  }

  /**
   * What the process's https server needs.
   *
   * @throws IllegalStateException if these settings have no identity (a client's settings)
   */
  public ServerTls server() {
    if (identity == null) {
      throw new IllegalStateException("TLS settings without a certificate and key cannot serve https: " + this);
    }
    return new ServerTls(identity, chain, mutual ? trustedCas : List.of(), description);
  }

  /**
   * What the process's https calls to its peers need: trust in the CA file (or the JVM's trust
   * store) and, when the process has an identity, that certificate for peers that ask for one (a
   * peer with mutual TLS). The same instance every time.
   */
  public ClientTls client() {
    return client;
  }

  /**
   * The TLS of a request this process sends to itself (its self ping): it trusts exactly its own
   * certificate, and takes that certificate for the host name, since it calls 127.0.0.1 whatever
   * names the certificate holds.
   *
   * @throws IllegalStateException if these settings have no identity
   */
  public ClientTls self() {
    if (identity == null) {
      throw new IllegalStateException("TLS settings without a certificate have no self: " + this);
    }
    X509Certificate own = identity.certificate();
    HandshakeCertificates certificates = new HandshakeCertificates.Builder()
        .addTrustedCertificate(own)
        .heldCertificate(identity, intermediates())
        .build();
    return new ClientTls(certificates.sslSocketFactory(), certificates.trustManager(), (host, session) -> {
      try {
        return own.equals(session.getPeerCertificates()[0]);
      } catch (SSLPeerUnverifiedException e) {
        return false;
      }
    }, "self, " + description);
  }

  private ClientTls newClient() {
    HandshakeCertificates.Builder builder = new HandshakeCertificates.Builder();
    if (trustedCas.isEmpty()) {
      builder.addPlatformTrustedCertificates();
    } else {
      // Only the CA file: a certificate the JVM would trust but the CA did not sign is refused.
      trustedCas.forEach(builder::addTrustedCertificate);
    }
    if (identity != null) {
      builder.heldCertificate(identity, intermediates());
    }
    HandshakeCertificates certificates = builder.build();
    return new ClientTls(certificates.sslSocketFactory(), certificates.trustManager(), null, description);
  }

  private X509Certificate[] intermediates() {
    return chain.subList(1, chain.size()).toArray(new X509Certificate[0]);
  }

  @Override
  public String toString() {
    return "TlsSettings{" + description + "}";
  }

  /** Configures {@link TlsSettings}; nothing is read before {@link #build()}. */
  public static final class Builder {
    // Held to the rule of the other secret files; its content is read here, as it is written.
    private static final SecretFile PASSWORD_FILE =
        new SecretFile("keystore password", "write the keystore's password there", 1);

    private Path certificateFile;
    private Path privateKeyFile;
    private Path keystoreFile;
    private Path keystorePasswordFile;
    private Path caFile;
    private boolean mutual;

    private Builder() {}

    /**
     * The identity as PEM files: {@code certificateFile} holds the certificate, optionally followed
     * by its intermediates; {@code privateKeyFile} its unencrypted PKCS#8 key ({@code -----BEGIN
     * PRIVATE KEY-----}). If unset (and no keystore), the process has no identity and can only be a
     * client.
     */
    public Builder pemIdentity(Path certificateFile, Path privateKeyFile) {
      this.certificateFile = Objects.requireNonNull(certificateFile, "certificateFile == null");
      this.privateKeyFile = Objects.requireNonNull(privateKeyFile, "privateKeyFile == null");
      return this;
    }

    /**
     * The identity as a PKCS12 keystore holding one private key entry, whose password (for the store
     * and the key) is the content of {@code passwordFile}, without a trailing line break. The
     * password file must be owned by the user the process runs as and closed to its group and others
     * ({@link SecretFile#requirePrivate(Path)}). If unset (and no PEM files), the process has no
     * identity and can only be a client.
     */
    public Builder pkcs12Identity(Path keystoreFile, Path passwordFile) {
      this.keystoreFile = Objects.requireNonNull(keystoreFile, "keystoreFile == null");
      this.keystorePasswordFile = Objects.requireNonNull(passwordFile, "passwordFile == null");
      return this;
    }

    /**
     * The PEM file of the CA certificates (one or more) peers must chain to; if unset, the JVM's
     * trust store decides (and mutual TLS is not possible).
     */
    public Builder trustedCa(Path caFile) {
      this.caFile = Objects.requireNonNull(caFile, "caFile == null");
      return this;
    }

    /**
     * Whether the server requires every client to present a certificate from the {@link
     * #trustedCa(Path) CA}, refusing the handshake otherwise; needs an identity and a CA. If unset,
     * false: clients need no certificate.
     */
    public Builder mutual(boolean mutual) {
      this.mutual = mutual;
      return this;
    }

    /**
     * Reads and checks every file.
     *
     * @throws TlsSettingsException naming the setting and the file at fault and why (no such file,
     *     unreadable, not PEM, key not matching the certificate, wrong keystore password, ...), or
     *     the rule broken by settings that do not fit together
     */
    public TlsSettings build() {
      if (certificateFile != null && keystoreFile != null) {
        throw new TlsSettingsException(Part.KEYSTORE,
            "give a PEM certificate and key or a PKCS12 keystore, not both: " + certificateFile + ", " + keystoreFile);
      }
      if (mutual && (caFile == null || (certificateFile == null && keystoreFile == null))) {
        throw new TlsSettingsException(Part.MUTUAL, "mutual TLS needs the process's own certificate and a trusted CA"
            + " file to check the peers' certificates by (" + (caFile == null ? "no CA file" : "no certificate") + ")");
      }
      List<String> parts = new ArrayList<>();
      HeldCertificate identity = null;
      List<X509Certificate> chain = List.of();
      if (certificateFile != null) {
        chain = certificates(certificateFile, Part.CERTIFICATE);
        identity = pemIdentity(chain.get(0));
        parts.add("identity " + certificateFile + " + " + privateKeyFile);
      } else if (keystoreFile != null) {
        chain = new ArrayList<>();
        identity = pkcs12Identity(chain);
        parts.add("identity " + keystoreFile + " (PKCS12)");
      }
      List<X509Certificate> trusted = List.of();
      if (caFile != null) {
        trusted = certificates(caFile, Part.CA);
        parts.add("ca " + caFile + " (" + trusted.size() + " certificate" + (trusted.size() == 1 ? ")" : "s)"));
      } else {
        parts.add("ca: system trust store");
      }
      parts.add("mutual " + mutual);
      return new TlsSettings(identity, chain, trusted, mutual, String.join(", ", parts));
    }

    private HeldCertificate pemIdentity(X509Certificate certificate) {
      String keyPem = new String(read(privateKeyFile, Part.PRIVATE_KEY), StandardCharsets.UTF_8);
      HeldCertificate held;
      try {
        // okhttp-tls pairs the key with the certificate's public key; the key file must hold just the key.
        held = HeldCertificate.decode(Certificates.certificatePem(certificate) + keyPem);
      } catch (IllegalArgumentException e) {
        throw new TlsSettingsException(Part.PRIVATE_KEY, privateKeyFile
            + ": not an unencrypted PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----) of the certificate's type ("
            + e.getMessage() + ")");
      }
      requireMatch(held.keyPair(), Part.PRIVATE_KEY,
          privateKeyFile + ": this private key does not belong to the certificate in " + certificateFile);
      return held;
    }

    private HeldCertificate pkcs12Identity(List<X509Certificate> chain) {
      char[] password = password();
      KeyStore store;
      try (InputStream in = new ByteArrayInputStream(read(keystoreFile, Part.KEYSTORE))) {
        store = KeyStore.getInstance("PKCS12");
        store.load(in, password);
      } catch (IOException | GeneralSecurityException e) {
        if (e.getCause() instanceof UnrecoverableKeyException) {
          throw new TlsSettingsException(Part.KEYSTORE_PASSWORD,
              keystoreFile + ": the password in " + keystorePasswordFile + " does not open it");
        }
        throw new TlsSettingsException(Part.KEYSTORE, keystoreFile + ": not a PKCS12 keystore (" + e.getMessage() + ")");
      }
      try {
        List<String> keyAliases = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
          if (store.isKeyEntry(alias)) {
            keyAliases.add(alias);
          }
        }
        if (keyAliases.size() != 1) {
          throw new TlsSettingsException(Part.KEYSTORE, keystoreFile + ": holds " + keyAliases.size()
              + " private key entries; it must hold exactly one, the process's own");
        }
        String alias = keyAliases.get(0);
        Key key = store.getKey(alias, password);
        Certificate[] certificates = store.getCertificateChain(alias);
        if (!(key instanceof PrivateKey privateKey) || certificates == null || certificates.length == 0) {
          throw new TlsSettingsException(Part.KEYSTORE, keystoreFile + ": entry " + alias
              + " is not a private key with its certificate chain");
        }
        for (Certificate certificate : certificates) {
          chain.add((X509Certificate) certificate);
        }
        KeyPair pair = new KeyPair(chain.get(0).getPublicKey(), privateKey);
        requireMatch(pair, Part.KEYSTORE, keystoreFile + ": entry " + alias + "'s key does not belong to its certificate");
        return new HeldCertificate(pair, chain.get(0));
      } catch (UnrecoverableKeyException e) {
        throw new TlsSettingsException(Part.KEYSTORE_PASSWORD,
            keystoreFile + ": the password in " + keystorePasswordFile + " does not open its key");
      } catch (GeneralSecurityException e) {
        throw new TlsSettingsException(Part.KEYSTORE, keystoreFile + ": " + e.getMessage());
      }
    }

    private char[] password() {
      try {
        PASSWORD_FILE.requirePrivate(keystorePasswordFile);
      } catch (NoSuchFileException e) {
        throw new TlsSettingsException(Part.KEYSTORE_PASSWORD, keystorePasswordFile + ": no such file");
      } catch (IOException e) {
        throw new TlsSettingsException(Part.KEYSTORE_PASSWORD, e.getMessage(), e);
      }
      String text = new String(read(keystorePasswordFile, Part.KEYSTORE_PASSWORD), StandardCharsets.UTF_8);
      // A file written by echo ends with a line break that is not part of the password.
      return text.replaceFirst("\\R+\\z", "").toCharArray();
    }

    /** Signs with the private key and checks with the certificate's public key: a handshake would fail later, less clearly. */
    private static void requireMatch(KeyPair pair, Part part, String mismatch) {
      String algorithm = pair.getPublic() instanceof ECPublicKey ? "SHA256withECDSA" : "SHA256with" + pair.getPublic().getAlgorithm();
      try {
        byte[] probe = "taskwire key check".getBytes(StandardCharsets.US_ASCII);
        Signature signature = Signature.getInstance(algorithm);
        signature.initSign(pair.getPrivate());
        signature.update(probe);
        byte[] signed = signature.sign();
        signature.initVerify(pair.getPublic());
        signature.update(probe);
        if (!signature.verify(signed)) {
          throw new TlsSettingsException(part, mismatch);
        }
      } catch (GeneralSecurityException e) {
        throw new TlsSettingsException(part, mismatch + " (" + e.getMessage() + ")");
      }
    }

    private static List<X509Certificate> certificates(Path file, Part part) {
      byte[] bytes = read(file, part);
      List<X509Certificate> certificates = new ArrayList<>();
      try {
        for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
          certificates.add((X509Certificate) certificate);
        }
      } catch (CertificateException e) {
        throw new TlsSettingsException(part, file + ": not a PEM certificate file (" + e.getMessage() + ")");
      }
      if (certificates.isEmpty()) {
        throw new TlsSettingsException(part, file + ": holds no certificate (-----BEGIN CERTIFICATE-----)");
      }
      return certificates;
    }

    private static byte[] read(Path file, Part part) {
      try {
        return Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw new TlsSettingsException(part, file + ": no such file");
      } catch (AccessDeniedException e) {
        throw new TlsSettingsException(part, file + ": not readable (permission denied)");
      } catch (IOException e) {
        throw new TlsSettingsException(part, file + ": cannot be read (" + e + ")");
      }
    }
  }
}
