package dev.taskwire.common.testing;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ErrorCode;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;

/** Answers a MockWebServer gives in the protocol's envelope: a peer's success or its failure. */
public final class Answers {
  private Answers() {}

  /** 200 with a success envelope of {@code message} and {@code "data": null}. */
  public static MockResponse success(String message) {
    return success(message, null);
  }

  /** 200 with a success envelope of {@code message} and {@code data}. */
  public static MockResponse success(String message, Map<String, Object> data) {
    return new MockResponse().setBody(Json.toString(Envelope.success(message, data)));
  }

  /** {@code code}'s HTTP status with its failure envelope of {@code message} and {@code "data": {}}. */
  public static MockResponse failure(ErrorCode code, String message) {
    return failure(code.httpStatus(), code.code(), message);
  }

  /** HTTP {@code status} with a failure envelope of {@code code}, {@code message} and {@code "data": {}}. */
  public static MockResponse failure(int status, int code, String message) {
    return new MockResponse().setResponseCode(status).setBody(Json.toString(new Envelope(false, code, message, Map.of())));
  }
}
