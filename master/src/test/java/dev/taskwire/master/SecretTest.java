package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.SlaveErrorCode;
import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slave with a shared secret takes only a master that proves it: not one without the secret, not
 * one with another, not a reference master, not a replay of a captured {@code /connect}; the real
 * master then connects and runs tasks.
 */
class SecretTest {
  private static final SharedSecret SECRET = SharedSecret.of("the fleet's secret, 32 characters or more");
  @RegisterExtension final Servers servers = new Servers();

  private <T extends AutoCloseable> T closing(T resource) {
    return servers.start(resource);
  }

  private Slave slaveWithSecret() {
    return closing(TestSlaves.loopback().channel(5).secret(SECRET).build().start());
  }

  /**
   * A slave with the secret on {@code port}, which masters reach through {@code recorder}: so it
   * advertises the recorder's address, as a slave behind a proxy must ({@code --advertise}).
   */
  private Slave slaveBehind(ForwardingRecorder recorder, int port) {
    return closing(TestSlaves.loopback().channel(5).secret(SECRET).port(port)
        .advertise("http://127.0.0.1:" + recorder.port()).build().start());
  }

  private Master master(SharedSecret secret) {
    Master.Builder builder = TestMasters.loopback().channel(5).requestRetries(0);
    if (secret != null) {
      builder.secret(secret);
    }
    return closing(builder.build().start());
  }

  private static SlaveResponseException refused(Master master, Slave slave) {
    SlaveResponseException e = assertThrows(SlaveResponseException.class,
        () -> master.newConnection("s", "127.0.0.1", slave.port()).connect());
    assertEquals(SlaveErrorCode.SLAVE_CONNECTION_REFUSED, e.errorCode());
    assertEquals(403, e.httpStatus());
    assertFalse(master.contains("s"));
    return e;
  }

  @Test
  void onlyTheMasterWithTheSecretTakesTheSlave() throws Exception {
    Slave slave = slaveWithSecret();
    assertEquals("proof missing", refused(master(null), slave).data().get("reason"));
    assertEquals("proof invalid", refused(master(SharedSecret.generate()), slave).data().get("reason"));
    assertFalse(slave.isConnected());

    Master real = master(SECRET);
    SlaveConnection connection = real.newConnection("s", "127.0.0.1", slave.port());
    connection.connect();
    assertTrue(slave.isConnected());
    assertEquals(Map.of("sum", 5), connection.newTask(Map.of("a", 2, "b", 3)).start().join().result());
  }

  @Test
  void aReferenceMastersConnectIsRefusedAsTheReferenceUnderstandsIt() {
    Slave slave = slaveWithSecret();
    // Exactly what a reference master sends: no Taskwire block, so no proof.
    ResponseException e = new PeerClient(slave.port(), Side.SLAVE).fail("POST", "/connect",
        Map.of("master", Map.of("address", "http://127.0.0.1:7235"), "data", Map.of()), "5", "a".repeat(64),
        403, SlaveErrorCode.SLAVE_CONNECTION_REFUSED.code());
    assertEquals("Connection refused!", e.responseMessage());
    assertEquals("proof missing", e.data().get("reason"));
    assertFalse(slave.isConnected());
  }

  @Test
  void aCapturedConnectCannotBeReplayedThenTheRealMasterConnectsAgain() throws Exception {
    int slavePort = Ports.free();
    ForwardingRecorder recorder = servers.start(new ForwardingRecorder(slavePort));
    Slave slave = slaveBehind(recorder, slavePort);
    Master real = master(SECRET);
    real.newConnection("s", "127.0.0.1", recorder.port()).connect(); // through the recorder
    assertTrue(slave.isConnected());
    real.remove("s");
    assertFalse(slave.isConnected());

    RecordedRequest captured = recorder.connect;
    assertNotNull(captured, "the /connect went through the recorder");
    OkHttpClient client = new OkHttpClient();
    Request replay = new Request.Builder().url("http://127.0.0.1:" + slave.port() + "/connect")
        .header("Channel", captured.getHeader("Channel")).header("Token", captured.getHeader("Token"))
        .post(RequestBody.create(captured.getBody().readByteArray(), MediaType.get("application/json"))).build();
    try (Response response = client.newCall(replay).execute()) {
      assertEquals(403, response.code());
      Map<String, Object> envelope = Json.parseObject(response.body().bytes(), 3);
      assertEquals(SlaveErrorCode.SLAVE_CONNECTION_REFUSED.code(), envelope.get("code"));
      assertEquals("proof replayed", ((Map<?, ?>) envelope.get("data")).get("reason"));
    }
    assertFalse(slave.isConnected(), "the replay took no slave");

    real.newConnection("s", "127.0.0.1", recorder.port()).connect(); // a fresh proof: accepted
    assertTrue(slave.isConnected());
  }

  @Test
  void aProofSeenByOneSlaveIsWorthNothingAtAnother() throws Exception {
    int slavePort = Ports.free();
    ForwardingRecorder recorder = servers.start(new ForwardingRecorder(slavePort));
    Slave seen = slaveBehind(recorder, slavePort);
    Slave other = slaveWithSecret(); // of the same fleet
    Master real = master(SECRET);
    real.newConnection("s", "127.0.0.1", recorder.port()).connect();
    assertTrue(seen.isConnected());
    // Whoever saw that /connect (the first slave, or the network on a plain-http fleet) sends it,
    // within its 60 s, to another slave: genuine, fresh and never used there, but not for it.
    try (Response response = replay(recorder.connect, other.port())) {
      assertEquals(403, response.code());
      Map<String, Object> envelope = Json.parseObject(response.body().bytes(), 3);
      assertEquals(SlaveErrorCode.SLAVE_CONNECTION_REFUSED.code(), envelope.get("code"));
      assertEquals("proof for another slave", ((Map<?, ?>) envelope.get("data")).get("reason"));
    }
    assertFalse(other.isConnected());
    real.newConnection("t", "127.0.0.1", other.port()).connect(); // its own proof: accepted
    assertTrue(other.isConnected());
  }

  @Test
  void aProofSentWhileTheSlaveWasBusyCannotBeReplayedOnceItIsFree() throws Exception {
    int slavePort = Ports.free();
    ForwardingRecorder recorder = servers.start(new ForwardingRecorder(slavePort));
    Slave slave = slaveBehind(recorder, slavePort);
    Master holder = master(SECRET);
    holder.newConnection("s", "127.0.0.1", slave.port()).connect();
    Master second = master(SECRET);
    assertEquals(SlaveErrorCode.SLAVE_ALREADY_CONNECTED, assertThrows(SlaveResponseException.class,
        () -> second.newConnection("t", "127.0.0.1", recorder.port()).connect()).errorCode());
    holder.remove("s");
    RecordedRequest captured = recorder.connect;
    try (Response response = replay(captured, slave.port())) {
      assertEquals(403, response.code(), "the proof was used up when the busy slave saw it");
    }
    assertFalse(slave.isConnected());
  }

  private static Response replay(RecordedRequest captured, int port) throws IOException {
    Request replay = new Request.Builder().url("http://127.0.0.1:" + port + "/connect")
        .header("Channel", captured.getHeader("Channel")).header("Token", captured.getHeader("Token"))
        .post(RequestBody.create(captured.getBody().clone().readByteArray(), MediaType.get("application/json"))).build();
    return new OkHttpClient().newCall(replay).execute();
  }

  @Test
  void aSlaveWithoutASecretTakesAMasterWithOneAsBefore() throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().channel(5).build().start());
    Master master = master(SECRET);
    SlaveConnection connection = master.newConnection("s", "127.0.0.1", slave.port());
    connection.connect();
    assertEquals(Map.of("sum", 3), connection.newTask(Map.of("a", 1, "b", 2)).start().join(Duration.ofSeconds(10)).result());
  }

  /** Plays the network between master and slave: forwards every request to the slave and keeps the {@code /connect}. */
  private static final class ForwardingRecorder implements AutoCloseable {
    private final MockWebServer server = new MockWebServer();
    private final OkHttpClient client = new OkHttpClient();
    volatile RecordedRequest connect;

    ForwardingRecorder(int slavePort) throws IOException {
      server.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          if (request.getPath().equals("/connect")) {
            connect = request;
          }
          Request.Builder forward = new Request.Builder().url("http://127.0.0.1:" + slavePort + request.getPath());
          request.getHeaders().forEach(header -> {
            if (header.getFirst().equals("Channel") || header.getFirst().equals("Token")) {
              forward.header(header.getFirst(), header.getSecond());
            }
          });
          byte[] body = request.getBody().clone().readByteArray();
          forward.method(request.getMethod(), request.getMethod().equals("GET") ? null
              : RequestBody.create(body, MediaType.get("application/json")));
          try (Response response = client.newCall(forward.build()).execute()) {
            return new MockResponse().setResponseCode(response.code()).setBody(response.body().string());
          } catch (IOException e) {
            return new MockResponse().setResponseCode(502);
          }
        }
      });
      server.start(InetAddress.getLoopbackAddress(), 0);
    }

    int port() {
      return server.getPort();
    }

    @Override
    public void close() throws IOException {
      server.shutdown();
    }
  }
}
