package dev.taskwire.common.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The body of every response, success or failure: {@code {"success", "code", "message", "data"}}.
 *
 * <p>{@code data} is kept as received so that a round trip writes {@code "data": null} back as
 * null; readers use {@link #dataOrEmpty()}, which treats null and a missing key as {@code {}} as
 * the protocol requires.
 */
@JsonPropertyOrder({"success", "code", "message", "data"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Envelope(boolean success, int code, String message, Map<String, Object> data) {

  /** A success envelope (code 0). */
  public static Envelope success(String message, Map<String, Object> data) {
    return new Envelope(true, 0, message, data);
  }

  /** A failure envelope for {@code code}. */
  public static Envelope failure(ErrorCode code, String message, Map<String, Object> data) {
    return new Envelope(false, code.code(), message, data);
  }

  /** The payload, with null or missing read as the empty object. Never null. */
  public Map<String, Object> dataOrEmpty() {
    return data == null ? Map.of() : data;
  }
}
