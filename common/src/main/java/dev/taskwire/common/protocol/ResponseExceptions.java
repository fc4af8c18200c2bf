package dev.taskwire.common.protocol;

import java.util.Map;

/** Turns a failure response into the exception of its code. */
public final class ResponseExceptions {
  private ResponseExceptions() {}

  /**
   * The exception for a failure {@code envelope} received with {@code httpStatus} from a peer of
   * {@code side}. A code the side does not define gives a plain {@link ResponseException}.
   */
  public static ResponseException fromResponse(Side side, int httpStatus, Envelope envelope) {
    Map<String, Object> data = envelope.dataOrEmpty();
    String message = envelope.message() == null ? "" : envelope.message();
    if (!envelope.success()) {
      if (side == Side.SLAVE) {
        SlaveErrorCode code = SlaveErrorCode.forCode(envelope.code());
        if (code != null) {
          return SlaveResponseException.create(code, httpStatus, message, data);
        }
      } else if (side == Side.MASTER) {
        MasterErrorCode code = MasterErrorCode.forCode(envelope.code());
        if (code != null) {
          return MasterResponseException.create(code, httpStatus, message, data);
        }
      }
    }
    return new ResponseException(httpStatus, envelope.success(), envelope.code(), message, data);
  }

  /** A failure response whose body was not an envelope (a proxy's error page, say). */
  public static ResponseException withoutEnvelope(int httpStatus, String bodyExcerpt) {
    return new ResponseException(
        httpStatus, false, ResponseException.NO_ENVELOPE, bodyExcerpt, Map.of());
  }
}
