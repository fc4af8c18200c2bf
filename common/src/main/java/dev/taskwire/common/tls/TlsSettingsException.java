package dev.taskwire.common.tls;

import java.util.Objects;

/**
 * {@link TlsSettings} refused: a file is missing, unreadable or not what it should be, or the
 * settings do not fit together. {@link #part()} says which setting is at fault, so that a command
 * line can name its flag. The message names the file and the reason, never a password or a key.
 */
public final class TlsSettingsException extends IllegalArgumentException {
  /** The setting at fault. */
  public enum Part {
    /** The PEM certificate (chain) file. */
    CERTIFICATE,
    /** The PEM PKCS#8 private key file. */
    PRIVATE_KEY,
    /** The PKCS12 keystore file. */
    KEYSTORE,
    /** The file holding the keystore's password. */
    KEYSTORE_PASSWORD,
    /** The trusted CA file. */
    CA,
    /** The mutual flag. */
    MUTUAL
  }

  private final Part part;

  TlsSettingsException(Part part, String message) {
    this(part, message, null);
  }

  TlsSettingsException(Part part, String message, Throwable cause) {
    super(message, cause);
    this.part = Objects.requireNonNull(part, "part == null");
  }

  /** The setting at fault. */
  public Part part() {
    return part;
  }
}
