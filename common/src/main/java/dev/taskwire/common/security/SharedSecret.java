package dev.taskwire.common.security;

import dev.taskwire.common.protocol.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret a fleet's master and slaves share, so that each can prove to the other that it
 * belongs: a master proves it in its {@code /connect}, a slave in its join request. The secret
 * itself never crosses the wire: a proof is an HMAC-SHA256 over the request's fields (see {@link
 * ProofCheck}).
 *
 * <p>{@link #toString()} shows only a fingerprint (the first 8 hex characters of the secret's
 * SHA-256), the same on every host that holds the same secret, so that a mismatch can be found in
 * the logs without logging the secret.
 */
public final class SharedSecret {
  /** The shortest secret accepted (a generated one has 64 hex characters). */
  public static final int MIN_LENGTH = 32;

  private static final SecretFile FILE = new SecretFile("shared secret",
      "write at least " + MIN_LENGTH + " random characters, e.g. openssl rand -hex 32, or delete the file and serve makes one", MIN_LENGTH);
  private static final HexFormat HEX = HexFormat.of();

  private final SecretKeySpec key;
  private final String fingerprint;

  private SharedSecret(String secret) {
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    this.key = new SecretKeySpec(bytes, "HmacSHA256");
    this.fingerprint = HEX.formatHex(sha256(bytes)).substring(0, 8);
  }

  /**
   * A secret of at least {@value #MIN_LENGTH} characters (leading and trailing white space is not
   * part of it).
   *
   * @throws IllegalArgumentException if it is shorter; the message never shows it
   */
  public static SharedSecret of(String secret) {
    Objects.requireNonNull(secret, "secret == null");
    String trimmed = secret.trim();
    if (trimmed.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("shared secret is " + trimmed.length() + " characters; use at least " + MIN_LENGTH);
    }
    return new SharedSecret(trimmed);
  }

  /** A new secret of 64 hex characters from SecureRandom. */
  public static SharedSecret generate() {
    return new SharedSecret(Token.generate().value());
  }

  /**
   * The secret in {@code file}, which must be owned by the user this process runs as, and which
   * only that owner may read or write (as the admin token file).
   *
   * @throws java.nio.file.NoSuchFileException if there is no such file
   * @throws IOException if it cannot be read, is another user's, is open to others, or holds a
   *     short secret
   */
  public static SharedSecret load(Path file) throws IOException {
    return new SharedSecret(FILE.read(file));
  }

  /** {@link #load(Path)}, after writing a new secret of 64 hex characters there if the file does not exist. */
  public static SharedSecret loadOrCreate(Path file) throws IOException {
    return new SharedSecret(FILE.readOrCreate(file, () -> Token.generate().value()));
  }

  /**
   * The HMAC-SHA256 of {@code fields}, as 64 hex characters. Each field is written with its length
   * first, so that no two different lists of fields give the same input.
   */
  public String mac(String... fields) {
    StringBuilder input = new StringBuilder();
    for (String field : fields) {
      String value = field == null ? "" : field;
      input.append(value.length()).append(':').append(value).append('\n');
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return HEX.formatHex(mac.doFinal(input.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new AssertionError("every JVM has HmacSHA256", e);
    }
  }

  /** Whether {@code candidate} is the MAC of {@code fields}, compared in constant time. */
  public boolean verifies(String candidate, String... fields) {
    return candidate != null && Token.constantTimeEquals(mac(fields), candidate);
  }

  /** The first 8 hex characters of the secret's SHA-256: equal on hosts that share the secret. */
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public String toString() {
    return "SharedSecret{fingerprint " + fingerprint + "}";
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
