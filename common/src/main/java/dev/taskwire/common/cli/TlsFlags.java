package dev.taskwire.common.cli;

import dev.taskwire.common.tls.TlsSettings;
import dev.taskwire.common.tls.TlsSettingsException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The values of the TLS flags, checked together once every flag is parsed: {@code --tls-cert} and
 * {@code --tls-key} (PEM, both or neither), or {@code --tls-keystore} with {@code
 * --tls-keystore-password-file} (PKCS12), {@code --tls-ca} and {@code --tls-mutual}. A bad
 * combination, or a file {@link TlsSettings} refuses, is a usage error naming the flag.
 */
public final class TlsFlags {
  /** The flag of the PEM certificate file. */
  public static final String CERT = "--tls-cert";
  /** The flag of the PEM private key file. */
  public static final String KEY = "--tls-key";
  /** The flag of the PKCS12 keystore file. */
  public static final String KEYSTORE = "--tls-keystore";
  /** The flag of the file holding the keystore's password. */
  public static final String KEYSTORE_PASSWORD_FILE = "--tls-keystore-password-file";
  /** The flag of the trusted CA file. */
  public static final String CA = "--tls-ca";
  /** The flag of mutual TLS. */
  public static final String MUTUAL = "--tls-mutual";

  Path cert;
  Path key;
  Path keystore;
  Path keystorePasswordFile;
  Path ca;
  boolean mutual;

  /** Flags of a client: {@code --tls-ca}, {@code --tls-cert} and {@code --tls-key}. */
  public static TlsFlags client(Path ca, Path cert, Path key) {
    TlsFlags flags = new TlsFlags();
    flags.ca = ca;
    flags.cert = cert;
    flags.key = key;
    return flags;
  }

  TlsFlags() {}

  /** Whether no TLS flag was given. */
  public boolean isEmpty() {
    return cert == null && key == null && keystore == null && keystorePasswordFile == null && ca == null && !mutual;
  }

  /**
   * The settings of a server (which needs an identity to serve https); null if no TLS flag was
   * given.
   *
   * @throws ParameterException naming the flag and the reason
   */
  public TlsSettings server(CommandLine commandLine) {
    if (isEmpty()) {
      return null;
    }
    TlsSettings.Builder builder = identity(commandLine);
    if (keystore != null && cert != null) {
      throw usage(commandLine, KEYSTORE, "excludes " + CERT + " and " + KEY + ": give one identity, PEM files or a PKCS12 keystore");
    }
    if (cert == null && keystore == null) {
      String given = ca != null ? CA : MUTUAL;
      throw usage(commandLine, given, "needs the server's own certificate: " + CERT + " and " + KEY + ", or " + KEYSTORE);
    }
    if (mutual && ca == null) {
      throw usage(commandLine, MUTUAL, "needs " + CA + ", the CA that the peers' certificates must chain to");
    }
    if (ca != null) {
      builder.trustedCa(ca);
    }
    return build(commandLine, builder.mutual(mutual));
  }

  /**
   * The settings of a client: trust in {@code --tls-ca} (else the JVM's trust store) and, with
   * {@code --tls-cert} and {@code --tls-key}, a client certificate; null if no TLS flag was given.
   *
   * @throws ParameterException naming the flag and the reason
   */
  public TlsSettings client(CommandLine commandLine) {
    if (isEmpty()) {
      return null;
    }
    TlsSettings.Builder builder = identity(commandLine);
    if (ca != null) {
      builder.trustedCa(ca);
    }
    return build(commandLine, builder);
  }

  private TlsSettings.Builder identity(CommandLine commandLine) {
    TlsSettings.Builder builder = TlsSettings.builder();
    if ((cert == null) != (key == null)) {
      throw cert == null
          ? usage(commandLine, KEY, "needs " + CERT + ": the PEM certificate and its key go together")
          : usage(commandLine, CERT, "needs " + KEY + ": the PEM certificate and its key go together");
    }
    if ((keystore == null) != (keystorePasswordFile == null)) {
      throw keystore == null
          ? usage(commandLine, KEYSTORE_PASSWORD_FILE, "needs " + KEYSTORE)
          : usage(commandLine, KEYSTORE, "needs " + KEYSTORE_PASSWORD_FILE + ", the file holding its password");
    }
    if (cert != null) {
      builder.pemIdentity(cert, key);
    }
    if (keystore != null && cert == null) {
      builder.pkcs12Identity(keystore, keystorePasswordFile);
    }
    return builder;
  }

  private static TlsSettings build(CommandLine commandLine, TlsSettings.Builder builder) {
    try {
      return builder.build();
    } catch (TlsSettingsException e) {
      // The message names the file and why; never its content.
      throw new ParameterException(commandLine, "Invalid value for option '" + flag(e.part()) + "': " + e.getMessage());
    }
  }

  private static String flag(TlsSettingsException.Part part) {
    return switch (part) {
      case CERTIFICATE -> CERT;
      case PRIVATE_KEY -> KEY;
      case KEYSTORE -> KEYSTORE;
      case KEYSTORE_PASSWORD -> KEYSTORE_PASSWORD_FILE;
      case CA -> CA;
      case MUTUAL -> MUTUAL;
    };
  }

  private static ParameterException usage(CommandLine commandLine, String flag, String reason) {
    return new ParameterException(commandLine, "Option '" + flag + "' " + reason);
  }
}
