package dev.taskwire.common.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A secret token: a connection token or a process's own token.
 *
 * <p>{@link #toString()} shows only a short prefix, so a token can be logged without leaking it;
 * {@link #value()} is the full text for the Token header.
 */
public final class Token {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private final String value;

  private Token(String value) {
    this.value = value;
  }

  /** A fresh token of {@link ProtocolDefaults#TOKEN_HEX_LENGTH} hex characters from SecureRandom. */
  public static Token generate() {
    byte[] bytes = new byte[ProtocolDefaults.TOKEN_HEX_LENGTH / 2];
    RANDOM.nextBytes(bytes);
    return new Token(HEX.formatHex(bytes));
  }

  /**
   * Wraps a token received from a peer. The protocol lets a master choose any non-empty token, so
   * only emptiness is checked.
   */
  public static Token of(String value) {
    Objects.requireNonNull(value, "value == null");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("token is empty");
    }
    return new Token(value);
  }

  /** The full token, for the Token header. Never log it. */
  public String value() {
    return value;
  }

  /** Whether {@code candidate} equals this token, in time independent of where they differ. */
  public boolean matches(String candidate) {
    return candidate != null && constantTimeEquals(value, candidate);
  }

  /** Compares two secrets in time that does not depend on the position of the first difference. */
  public static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** A loggable form: the first 6 characters and an ellipsis. */
  public static String mask(String token) {
    if (token == null) {
      return "null";
    }
    return token.length() <= 6 ? "***" : token.substring(0, 6) + "…";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Token that && constantTimeEquals(value, that.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return mask(value);
  }
}
