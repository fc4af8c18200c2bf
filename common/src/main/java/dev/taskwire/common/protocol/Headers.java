package dev.taskwire.common.protocol;

/** The protocol's header names. */
public final class Headers {
  private Headers() {}

  /** Decimal channel number; both sides must be configured with the same one. */
  public static final String CHANNEL = "Channel";
  /** The connection token, or the process's own token on a self request. */
  public static final String TOKEN = "Token";
}
