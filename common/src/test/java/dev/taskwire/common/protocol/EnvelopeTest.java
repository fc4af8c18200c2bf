package dev.taskwire.common.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskwire.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
  private static Envelope read(String json) {
    return Json.read(json.getBytes(StandardCharsets.UTF_8), Envelope.class);
  }

  private static JsonNode tree(String json) throws Exception {
    return Json.MAPPER.readTree(json);
  }

  @Test
  void successEnvelopeFromProtocolRoundTripsExactly() throws Exception {
    String literal = "{\"success\": true, \"code\": 0, \"message\": \"Received!\", \"data\": null}";
    Envelope envelope = read(literal);
    assertTrue(envelope.success());
    assertEquals(0, envelope.code());
    assertEquals("Received!", envelope.message());
    assertNull(envelope.data());
    assertEquals(Map.of(), envelope.dataOrEmpty());
    assertEquals(tree(literal), tree(Json.toString(envelope)));
    assertEquals("{\"success\":true,\"code\":0,\"message\":\"Received!\",\"data\":null}", Json.toString(envelope));
  }

  @Test
  void failureEnvelopeWithDataRoundTrips() throws Exception {
    String literal =
        "{\"success\": false, \"code\": 503, \"message\": \"Connection refused!\", \"data\": {\"why\": \"busy\", \"n\": [1, 2]}}";
    Envelope envelope = read(literal);
    assertFalse(envelope.success());
    assertEquals(503, envelope.code());
    assertEquals(Map.of("why", "busy", "n", java.util.List.of(1, 2)), envelope.data());
    assertEquals(tree(literal), tree(Json.toString(envelope)));
  }

  @Test
  void missingDataIsReadAsEmptyObject() {
    Envelope envelope = read("{\"success\": true, \"code\": 0, \"message\": \"PONG!\"}");
    assertNull(envelope.data());
    assertEquals(Map.of(), envelope.dataOrEmpty());
  }

  @Test
  void extensionAnswerOfTaskwireSlaveIsReadable() {
    Envelope envelope =
        read("{\"success\": true, \"code\": 0, \"message\": \"Connect success.\", \"data\": "
            + "{\"taskwire\": {\"version\": \"1.0\", \"slots\": 4, \"extensions\": [\"progress\", \"cancel\"]}}}");
    Messages.TaskwireInfo info = Json.convert(envelope.data().get("taskwire"), Messages.TaskwireInfo.class);
    assertEquals(Messages.TaskwireInfo.ofSlave("1.0", 4, java.util.List.of("progress", "cancel")), info);
  }

  @Test
  void requestBodiesSerializeAsProtocolShows() throws Exception {
    assertEquals(
        tree("{\"master\": {\"address\": \"http://10.0.0.5:7235\"}, \"data\": {}}"),
        tree(Json.toString(new Messages.ConnectRequest(new Messages.MasterInfo("http://10.0.0.5:7235", null), Map.of()))));
    assertEquals(
        tree("{\"task\": {\"id\": \"abc\"}, \"result\": {\"sum\": 5}}"),
        tree(Json.toString(new Messages.TaskReport(new Messages.TaskRef("abc"), Map.of("sum", 5)))));
    assertEquals(
        tree("{\"task\": {\"id\": \"abc\"}, \"data\": {\"a\": 2}}"),
        tree(Json.toString(new Messages.NewTaskRequest(new Messages.TaskRef("abc"), Map.of("a", 2)))));
  }
}
