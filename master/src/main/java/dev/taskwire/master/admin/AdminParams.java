package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminErrorCode.BAD_REQUEST;

import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import io.javalin.http.Context;
import java.time.Duration;

/** The admin API's path and query parameters, each checked by its rule (400 BAD_REQUEST naming it otherwise). */
final class AdminParams {
  /** Longest error message built from what a client or slave sent; each value in it is cut shorter. */
  private static final int MESSAGE_CHARS = 1_000;

  private AdminParams() {}

  /**
   * The {@code {name}} path parameter if it follows {@link ConnectionNames#RULE}: a name that no
   * connection can have is a bad request (its {@link IllegalArgumentException}), not an unknown
   * connection.
   */
  static String name(Context ctx) {
    return ConnectionNames.require(ctx.pathParam("name"));
  }

  /** The {@code {group}} path parameter, if it follows the rule of group names. */
  static String group(Context ctx) {
    return AdminRequests.group(ctx.pathParam("group"), "group");
  }

  /** The query parameter {@code name}, a positive integer; {@code fallback} if absent. */
  static int positive(Context ctx, String name, int fallback) {
    String text = ctx.queryParam(name);
    if (text == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text);
      if (value < 1) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw BAD_REQUEST.exception(name + " must be a positive integer, got '" + LogSafe.escape(text) + "'");
    }
  }

  /** {@link #positive(Context, String, int)} of at most {@code max}. */
  static int positive(Context ctx, String name, int fallback, int max) {
    int value = positive(ctx, name, fallback);
    if (value > max) {
      throw BAD_REQUEST.exception(name + " must be 1.." + max + ", got " + value);
    }
    return value;
  }

  /** The query parameter {@code name}, a wait of at most {@link AdminMessages#MAX_WAIT}; {@code fallback} if absent. */
  static Duration wait(Context ctx, String name, Duration fallback) {
    String text = ctx.queryParam(name);
    if (text == null) {
      return fallback;
    }
    Duration value;
    try {
      value = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw BAD_REQUEST.exception(name + ": " + safe(e.getMessage()));
    }
    if (value.compareTo(AdminMessages.MAX_WAIT) > 0) {
      throw BAD_REQUEST.exception(name + " must be at most " + Durations.format(AdminMessages.MAX_WAIT) + ", got "
          + LogSafe.escape(text));
    }
    return value;
  }

  /** A message that may quote what a client or slave sent, escaped and bounded. */
  static String safe(String message) {
    return LogSafe.escape(message, MESSAGE_CHARS);
  }
}
