package dev.taskwire.common.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Messages.Proof;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proofs of the shared secret: bound to their fields, accepted once, within the clock window only. */
class ProofCheckTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  /** The slave the connect proofs are meant for. */
  private static final String HERE = "http://127.0.0.1:7236";
  private final AtomicLong clock = new AtomicLong(1_800_000_000_000L);
  private final ProofCheck master = new ProofCheck(SharedSecret.of(SECRET), clock::get);
  private final ProofCheck slave = new ProofCheck(SharedSecret.of(SECRET), clock::get);

  @Test
  void aProofIsAcceptedOnceAndAReplayIsRefused() {
    Proof proof = master.proveConnect(7, "token-1", "http://127.0.0.1:7235", HERE);
    assertNull(slave.checkConnect(proof, 7, "token-1", "http://127.0.0.1:7235", HERE::equals));
    assertEquals("proof replayed", slave.checkConnect(proof, 7, "token-1", "http://127.0.0.1:7235", HERE::equals).reason());
    // The same request proven again a millisecond later is a new proof: a retry of the real master passes.
    clock.incrementAndGet();
    assertNull(slave.checkConnect(master.proveConnect(7, "token-1", "http://127.0.0.1:7235", HERE), 7, "token-1",
        "http://127.0.0.1:7235", HERE::equals));
  }

  @Test
  void aProofCoversEveryFieldOfItsRequest() {
    Proof proof = master.proveConnect(7, "token-1", "http://127.0.0.1:7235", HERE);
    assertEquals("proof invalid", slave.checkConnect(proof, 8, "token-1", "http://127.0.0.1:7235", HERE::equals).reason());
    assertEquals("proof invalid", slave.checkConnect(proof, 7, "token-2", "http://127.0.0.1:7235", HERE::equals).reason());
    assertEquals("proof invalid", slave.checkConnect(proof, 7, "token-1", "http://10.0.0.9:7235", HERE::equals).reason());
    assertEquals("proof invalid", slave.checkConnect(new Proof(proof.timestamp() + 1, proof.mac()), 7, "token-1",
        "http://127.0.0.1:7235", HERE::equals).reason());
    // A join's proof is no connect's proof, even over the same text.
    Proof join = master.proveJoin(7, "gpu-1", null, 7236, false);
    assertNull(slave.checkJoin(join, 7, "gpu-1", null, 7236, false));
    assertEquals("proof invalid", slave.checkJoin(master.proveJoin(7, "gpu-1", null, 7236, false), 7, "gpu-1", null, 7236, true).reason());
    assertEquals("proof invalid", slave.checkJoin(master.proveJoin(7, "gpu-1", null, 7236, false), 7, "gpu-2", null, 7236, false).reason());
  }

  @Test
  void aConnectProofIsBoundToTheSlaveItIsMeantFor() {
    Proof proof = master.proveConnect(7, "token-1", "http://127.0.0.1:7235", HERE);
    assertEquals(HERE, proof.to());
    // Another slave of the fleet, given the same request as it was captured: genuine, but not for it.
    ProofCheck.Refusal refusal = slave.checkConnect(proof, 7, "token-1", "http://127.0.0.1:7235", "http://127.0.0.1:7237"::equals);
    assertEquals("proof for another slave", refusal.reason());
    // Its target changed on the way: the MAC no longer matches.
    Proof retargeted = new Proof(proof.timestamp(), proof.mac(), "http://127.0.0.1:7237");
    assertEquals("proof invalid", new ProofCheck(SharedSecret.of(SECRET), clock::get)
        .checkConnect(retargeted, 7, "token-1", "http://127.0.0.1:7235", "http://127.0.0.1:7237"::equals).reason());
    // A proof that names no slave (an older master's) is not taken either.
    assertEquals("proof invalid", new ProofCheck(SharedSecret.of(SECRET), clock::get)
        .checkConnect(new Proof(proof.timestamp(), proof.mac()), 7, "token-1", "http://127.0.0.1:7235", to -> true).reason());
  }

  @Test
  void anotherSecretOrNoProofIsRefused() {
    ProofCheck stranger = new ProofCheck(SharedSecret.of("another secret of at least thirty-two chars"), clock::get);
    assertEquals("proof invalid", slave.checkConnect(stranger.proveConnect(7, "t", "http://h:1", HERE), 7, "t", "http://h:1", HERE::equals).reason());
    assertEquals("proof missing", slave.checkConnect(null, 7, "t", "http://h:1", HERE::equals).reason());
    assertEquals("proof missing", slave.checkConnect(new Proof(null, "00"), 7, "t", "http://h:1", HERE::equals).reason());
    assertEquals("proof invalid", slave.checkConnect(new Proof(clock.get(), "not hex at all"), 7, "t", "http://h:1", HERE::equals).reason());
  }

  @Test
  void aProofOutsideTheClockWindowIsRefusedEitherWayAndForgottenAfterIt() {
    long window = ProofCheck.MAX_CLOCK_SKEW.toMillis();
    Proof old = master.proveConnect(7, "t", "http://h:1", HERE);
    clock.addAndGet(window + 1);
    ProofCheck.Refusal stale = slave.checkConnect(old, 7, "t", "http://h:1", HERE::equals);
    assertEquals("proof expired", stale.reason());
    assertTrue(stale.message().contains("60 s ago"), stale.message());

    ProofCheck ahead = new ProofCheck(SharedSecret.of(SECRET), () -> clock.get() + window + 5_000);
    ProofCheck.Refusal future = slave.checkConnect(ahead.proveConnect(7, "t", "http://h:1", HERE), 7, "t", "http://h:1", HERE::equals);
    assertEquals("proof expired", future.reason());
    assertTrue(future.message().contains("in the future"), future.message());

    // Within the window on either side: accepted, remembered until the window has passed.
    clock.addAndGet(window); // this check has been running longer than the window: the start floor is out of the way
    ProofCheck behind = new ProofCheck(SharedSecret.of(SECRET), () -> clock.get() - window + 1_000);
    assertNull(slave.checkConnect(behind.proveConnect(7, "t", "http://h:1", HERE), 7, "t", "http://h:1", HERE::equals));
    assertEquals(1, slave.remembered());
    clock.addAndGet(1_001);
    assertEquals(0, slave.remembered());
  }

  @Test
  void aProofMadeBeforeTheCheckStartedIsRefusedSoARestartOpensNoReplayWindow() {
    Proof captured = master.proveConnect(7, "t", "http://h:1", HERE);
    assertNull(slave.checkConnect(captured, 7, "t", "http://h:1", HERE::equals));
    clock.addAndGet(5_000);
    ProofCheck restarted = new ProofCheck(SharedSecret.of(SECRET), clock::get); // the slave, 5 s later, after a restart
    ProofCheck.Refusal refusal = restarted.checkConnect(captured, 7, "t", "http://h:1", HERE::equals);
    assertEquals("proof expired", refusal.reason());
    assertTrue(refusal.message().contains("before this process started"), refusal.message());
    assertNull(restarted.checkConnect(master.proveConnect(7, "t", "http://h:1", HERE), 7, "t", "http://h:1", HERE::equals), "a fresh one passes");
  }

  @Test
  void timestampsAtTheEndsOfTheRangeAreRefusedNotWrappedAround() {
    for (long timestamp : new long[] {Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE, 0}) {
      Proof forged = new Proof(timestamp, SharedSecret.of(SECRET).mac("taskwire-connect", "7", "t", "http://h:1", HERE,
          Long.toString(timestamp)), HERE);
      assertEquals("proof expired", slave.checkConnect(forged, 7, "t", "http://h:1", HERE::equals).reason(), "timestamp " + timestamp);
    }
  }

  @Test
  void anAnswerProofBindsTheSlavesAnswerToTheMastersRequest() {
    Proof connect = master.proveConnect(7, "t", "http://h:1", HERE);
    Proof answer = slave.proveAnswer(7, "t", connect.mac());
    assertNull(master.checkAnswer(answer, 7, "t", connect.mac()));
    Proof another = master.proveConnect(7, "t2", "http://h:1", HERE);
    assertEquals("proof invalid", master.checkAnswer(slave.proveAnswer(7, "t", connect.mac()), 7, "t2", another.mac()).reason());
    assertEquals("proof missing", master.checkAnswer(null, 7, "t", connect.mac()).reason());
  }

  @Test
  void theSecretNeverShowsButItsFingerprintMatchesAcrossHosts(@TempDir Path dir) throws Exception {
    SharedSecret secret = SharedSecret.of(SECRET);
    assertFalse(secret.toString().contains(SECRET));
    assertEquals(secret.fingerprint(), SharedSecret.of(" " + SECRET + "\n").fingerprint());
    assertNotEquals(secret.fingerprint(), SharedSecret.generate().fingerprint());
    IllegalArgumentException shortOne = assertThrows(IllegalArgumentException.class, () -> SharedSecret.of("short-secret"));
    assertFalse(shortOne.getMessage().contains("short-secret"), shortOne.getMessage());

    Path file = dir.resolve("fleet").resolve("secret");
    SharedSecret made = SharedSecret.loadOrCreate(file);
    assertEquals(made.fingerprint(), SharedSecret.load(file).fingerprint());
    assertEquals(64, Files.readString(file).trim().length());
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      String refused = assertThrows(java.io.IOException.class, () -> SharedSecret.load(file)).getMessage();
      assertEquals("shared secret file " + file + " is readable by group or others (rw-r--r--); run: chmod 600 " + file, refused);
    }
  }
}
