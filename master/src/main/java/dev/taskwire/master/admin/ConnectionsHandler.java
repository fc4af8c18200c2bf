package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.Answers.success;
import static dev.taskwire.master.admin.SlaveCallFailed.toSlave;

import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.admin.AdminMessages.ConnectRequest;
import dev.taskwire.master.admin.AdminMessages.Connected;
import dev.taskwire.master.admin.AdminMessages.ConnectionList;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/** {@code /api/v1/connections}: connect a slave, list the live connections, disconnect one. */
final class ConnectionsHandler {
  private final Master master;
  private final JsonServer server;

  ConnectionsHandler(Master master, JsonServer server) {
    this.master = master;
    this.server = server;
  }

  /** {@code POST /api/v1/connections}: connects, and answers the connection with the after-connect value. */
  void connect(Context ctx) {
    // A control body: at most 64 KiB.
    ConnectRequest request = AdminRequests.connect(server.body(ctx));
    // Left out, https follows the master's own TLS: a master serving https talks https to slaves.
    SlaveConnection connection = (request.https() == null
        ? master.newConnection(request.name(), request.host(), request.port())
        : master.newConnection(request.name(), request.host(), request.port(), request.https()))
        .connectData(request.data())
        .labels(request.labels());
    Object answer = toSlave("slave " + LogSafe.escape(request.host()) + ":" + request.port(), connection::connect);
    if (master.keptConnections() != null) {
      // Made again by a restarted master; answered once that is on disk.
      master.keptConnections().keep(request.name(), request.host(), request.port(), request.https(), request.data(),
          request.labels());
    }
    success(ctx, "Connected.", new Connected(AdminViews.of(connection), answer));
  }

  /** {@code GET /api/v1/connections}: the live connections, by name. */
  void list(Context ctx) {
    List<ConnectionView> views = new ArrayList<>();
    master.names().stream().sorted().forEach(name -> {
      try {
        views.add(AdminViews.of(master.get(name)));
      } catch (NoSuchElementException goneMeanwhile) {
        // Dropped between names() and get(): not live any more, so not listed.
      }
    });
    success(ctx, "Connections.", new ConnectionList(views));
  }

  /** {@code DELETE /api/v1/connections/{name}}: disconnects and removes it, even if the slave cannot be told. */
  void remove(Context ctx) {
    String name = AdminParams.name(ctx);
    if (master.keptConnections() != null) {
      master.keptConnections().forget(name); // even if it is not live now: it is not to be made again
    }
    String message;
    try {
      master.remove(name);
      message = "Disconnected.";
    } catch (IllegalStateException endedMeanwhile) {
      // Ended (heartbeat check, another request) between the lookup and the disconnect: gone.
      throw new NoSuchElementException(name);
    } catch (IOException e) {
      message = "Removed; the slave could not be told: " + SlaveCallFailed.reason(e);
    } catch (ResponseException e) {
      message = "Removed; the slave refused to disconnect: " + LogSafe.escape(e.responseMessage());
    }
    JsonServer.success(ctx, message, null);
  }
}
