package dev.taskwire.master.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.taskwire.common.protocol.Token;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The classpath these tests run on is the one a program that adds taskwire-client gets (its test
 * dependencies add no server): neither Jetty nor Javalin is on it, and the client works without
 * them, as {@link MasterClientTest} shows. The enforcer rule in this module's pom keeps it so.
 */
class ClientClasspathTest {
  @Test
  void neitherJettyNorJavalinIsOnTheClientsClasspath() {
    for (String server : List.of("io.javalin.Javalin", "org.eclipse.jetty.server.Server", "jakarta.servlet.Servlet")) {
      assertThrows(ClassNotFoundException.class, () -> Class.forName(server), server);
    }
  }

  @Test
  void theClientWorksWithoutTheMasterLibrary() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.taskwire.master.Master"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.taskwire.master.admin.AdminApi"));
    // Nothing listens on port 1: the request is made, and fails as an unreachable master does.
    MasterClient client = new MasterClient("http://127.0.0.1:1", Token.generate());
    assertThrows(IOException.class, client::connections);
    assertEquals(AdminErrorCode.BAD_REQUEST, AdminErrorCode.forCode(1003));
  }
}
