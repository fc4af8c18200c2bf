package dev.taskwire.common.testing;

import dev.taskwire.common.tls.TlsSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import okhttp3.tls.HeldCertificate;

/**
 * Certificates for TLS tests, made with okhttp-tls: a CA per call of {@link #ca}, leaves it signs
 * for 127.0.0.1 and localhost, written as PEM files (or a PKCS12 keystore) into a test's directory.
 */
public final class TestTls {
  private TestTls() {}

  /** A CA and its PEM certificate file. */
  public record Ca(HeldCertificate held, Path file) {}

  /** A certificate signed by a CA, with its PEM certificate and PKCS#8 key files. */
  public record Leaf(HeldCertificate held, Ca ca, Path certificateFile, Path keyFile) {
    /** The settings of a process with this identity, trusting its CA. */
    public TlsSettings settings(boolean mutual) {
      return TlsSettings.builder().pemIdentity(certificateFile, keyFile).trustedCa(ca.file()).mutual(mutual).build();
    }

    /** Settings of a pure client trusting this leaf's CA, without a certificate of its own. */
    public TlsSettings trustOnly() {
      return TlsSettings.builder().trustedCa(ca.file()).build();
    }
  }

  /** A new CA named {@code name}, written to {@code dir/name-ca.pem}. */
  public static Ca ca(Path dir, String name) {
    HeldCertificate held = new HeldCertificate.Builder()
        .commonName(name + " test CA")
        .certificateAuthority(0)
        .build();
    return new Ca(held, write(dir.resolve(name + "-ca.pem"), held.certificatePem()));
  }

  /** A leaf named {@code name} signed by {@code ca}, for 127.0.0.1 and localhost, written to {@code dir}. */
  public static Leaf leaf(Ca ca, Path dir, String name) {
    HeldCertificate held = new HeldCertificate.Builder()
        .commonName(name)
        .addSubjectAlternativeName("127.0.0.1")
        .addSubjectAlternativeName("localhost")
        .signedBy(ca.held())
        .build();
    return new Leaf(held, ca, write(dir.resolve(name + ".pem"), held.certificatePem()),
        write(dir.resolve(name + ".key"), held.privateKeyPkcs8Pem()));
  }

  /**
   * {@code leaf} as a PKCS12 keystore {@code dir/name.p12} with its chain, locked with {@code
   * password}; the password is written to {@code dir/name.password} (owner-only) with a trailing line
   * break, as {@code echo} leaves it. Returns the keystore file.
   */
  public static Path pkcs12(Leaf leaf, Path dir, String name, String password) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", leaf.held().keyPair().getPrivate(), password.toCharArray(),
          new Certificate[] {leaf.held().certificate(), leaf.ca().held().certificate()});
      Path file = dir.resolve(name + ".p12");
      try (OutputStream out = Files.newOutputStream(file)) {
        store.store(out, password.toCharArray());
      }
      Path passwordFile = write(dir.resolve(name + ".password"), password + "\n");
      Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path write(Path file, String text) {
    try {
      return Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
