package dev.taskwire.common.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.OtherUser;
import dev.taskwire.common.testing.TestTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TlsSettings} reads every file at build and names the one at fault, never a secret. */
class TlsSettingsTest {
  @TempDir Path dir;
  private TestTls.Ca ca;
  private TestTls.Leaf leaf;

  @BeforeEach
  void certificates() {
    ca = TestTls.ca(dir, "a");
    leaf = TestTls.leaf(ca, dir, "leaf");
  }

  private TlsSettingsException refused(TlsSettings.Builder builder) {
    return assertThrows(TlsSettingsException.class, builder::build);
  }

  @Test
  void pemIdentityWithCaGivesBothViews() {
    TlsSettings tls = leaf.settings(true);
    assertTrue(tls.hasIdentity());
    assertTrue(tls.mutual());
    assertEquals(1, tls.trustedCas().size());
    assertEquals(leaf.held().certificate(), tls.server().certificateChain().get(0));
    assertTrue(tls.server().requiresClientCertificate());
    assertSame(tls.client(), tls.client());
  }

  @Test
  void aCaAloneIsAClientsSettingsThatCannotServe() {
    TlsSettings tls = leaf.trustOnly();
    assertFalse(tls.hasIdentity());
    assertThrows(IllegalStateException.class, tls::server);
  }

  @Test
  void aMissingFileIsNamedWithItsPart() {
    TlsSettingsException e = refused(TlsSettings.builder().pemIdentity(dir.resolve("nope.pem"), leaf.keyFile()));
    assertEquals(TlsSettingsException.Part.CERTIFICATE, e.part());
    assertEquals(dir.resolve("nope.pem") + ": no such file", e.getMessage());
  }

  @Test
  void aKeyOfAnotherCertificateIsRefusedWithoutPrintingIt() throws Exception {
    TestTls.Leaf other = TestTls.leaf(ca, dir, "other");
    TlsSettingsException e = refused(TlsSettings.builder().pemIdentity(leaf.certificateFile(), other.keyFile()));
    assertEquals(TlsSettingsException.Part.PRIVATE_KEY, e.part());
    assertTrue(e.getMessage().contains("does not belong to the certificate"), e.getMessage());
    String keyBody = Files.readString(other.keyFile()).lines().skip(1).findFirst().orElseThrow();
    assertFalse(e.getMessage().contains(keyBody), e.getMessage());
  }

  @Test
  void aCertificateFileThatIsNotPemIsRefused() {
    TlsSettingsException e = refused(TlsSettings.builder().trustedCa(leaf.keyFile()));
    assertEquals(TlsSettingsException.Part.CA, e.part());
  }

  @Test
  void mutualNeedsACaAndAnIdentity() {
    assertEquals(TlsSettingsException.Part.MUTUAL,
        refused(TlsSettings.builder().pemIdentity(leaf.certificateFile(), leaf.keyFile()).mutual(true)).part());
    assertEquals(TlsSettingsException.Part.MUTUAL, refused(TlsSettings.builder().trustedCa(ca.file()).mutual(true)).part());
  }

  @Test
  void aWrongKeystorePasswordIsRefusedWithoutPrintingEither() throws Exception {
    Path keystore = TestTls.pkcs12(leaf, dir, "leaf", "right-password");
    Path wrong = ownerOnly("wrong", "wrong-password\n");
    TlsSettingsException e = refused(TlsSettings.builder().pkcs12Identity(keystore, wrong));
    assertEquals(TlsSettingsException.Part.KEYSTORE_PASSWORD, e.part());
    assertFalse(e.getMessage().contains("password\n") || e.getMessage().contains("right-password")
        || e.getMessage().contains("wrong-password"), e.getMessage());
  }

  private Path ownerOnly(String name, String text) throws IOException {
    Path file = Files.writeString(dir.resolve(name), text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  @Test
  void aKeystorePasswordFileOthersMayReadIsRefusedWithChmodAdvice() throws IOException {
    Path keystore = TestTls.pkcs12(leaf, dir, "leaf", "right-password");
    Path password = dir.resolve("leaf.password");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
    TlsSettingsException e = refused(TlsSettings.builder().pkcs12Identity(keystore, password));
    assertEquals(TlsSettingsException.Part.KEYSTORE_PASSWORD, e.part());
    assertEquals("keystore password file " + password + " is readable by group or others (rw-r--r--); run: chmod 600 "
        + password, e.getMessage());
  }

  @Test
  void aKeystorePasswordFileOfAnotherUserIsRefused() throws IOException {
    Path keystore = TestTls.pkcs12(leaf, dir, "leaf", "right-password");
    Path password = OtherUser.owns(dir.resolve("leaf.password"));
    TlsSettingsException e = refused(TlsSettings.builder().pkcs12Identity(keystore, password));
    assertEquals(TlsSettingsException.Part.KEYSTORE_PASSWORD, e.part());
    String self = OtherUser.self(dir);
    assertEquals("keystore password file " + password + " is owned by " + OtherUser.NAME + ", not by " + self
        + " who runs this process; run this as " + OtherUser.NAME + ", or: chown " + self + " " + password, e.getMessage());
  }

  @Test
  void aMissingKeystorePasswordFileIsNamed() {
    Path keystore = TestTls.pkcs12(leaf, dir, "leaf", "pw");
    TlsSettingsException e = refused(TlsSettings.builder().pkcs12Identity(keystore, dir.resolve("nope")));
    assertEquals(TlsSettingsException.Part.KEYSTORE_PASSWORD, e.part());
    assertEquals(dir.resolve("nope") + ": no such file", e.getMessage());
  }

  @Test
  void aPkcs12IdentityIsReadWithItsChain() {
    Path keystore = TestTls.pkcs12(leaf, dir, "leaf", "pw");
    TlsSettings tls = TlsSettings.builder().pkcs12Identity(keystore, dir.resolve("leaf.password")).build();
    assertEquals(2, tls.server().certificateChain().size());
    assertFalse(tls.toString().contains("pw,") || tls.toString().contains("BEGIN"), tls.toString());
  }
}
