// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples of {@code java/examples/}, as users build them: compiled by the real
 * {@code javac} against the packaged jar, run in JVMs of their own against the emulator, with the
 * session revoked mid-run. Each survives the revocation with exactly one new login.
 */
class ExamplesIT extends EmulatorTestBase {
    private static final Path EXAMPLES =
            Paths.get(System.getProperty("sfjwt.test.examples", "examples")).toAbsolutePath();
    private static final Path JAR =
            Paths.get(System.getProperty("sfjwt.test.jar", "target/sfjwt-0.1.0.jar")).toAbsolutePath();

    private static Path jdkTool(String name) {
        return Paths.get(System.getProperty("java.home"), "bin", name);
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "finished: " + command);
        String text = new String(output, UTF_8);
        assertEquals(0, process.exitValue(), command + "\n" + text);
        return text;
    }

    /** {@code javac --release N -cp jar -d out sources...}. */
    private static Path javac(Path dir, int release, Path... sources) throws Exception {
        Path out = Files.createDirectories(dir.resolve("classes-" + release));
        List<String> command = new ArrayList<>(Arrays.asList(jdkTool("javac").toString(),
                "--release", Integer.toString(release), "-Xlint:-options", "-cp", JAR.toString(),
                "-d", out.toString()));
        for (Path source : sources) {
            command.add(source.toString());
        }
        run(command);
        return out;
    }

    /** A PKCS#12 trust store with the emulator's CA, made by keytool, for the JVM's own HTTPS. */
    private static Path trustStore(Path dir) throws Exception {
        Path store = dir.resolve("trust.p12");
        run(Arrays.asList(jdkTool("keytool").toString(), "-importcert", "-noprompt", "-alias", "emulator",
                "-file", emulator.caFile.toString(), "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit"));
        return store;
    }

    /**
     * Runs an example's main class, which makes its first call, prints a line and waits for one
     * on stdin: the session is revoked then, and the rest of the output comes after.
     */
    private static String runRevokedMidway(Path dir, Path classes, String mainClass) throws Exception {
        Path trust = trustStore(dir);
        List<String> command = Arrays.asList(jdkTool("java").toString(),
                "-Djavax.net.ssl.trustStore=" + trust, "-Djavax.net.ssl.trustStorePassword=changeit",
                "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-cp", JAR + File.pathSeparator + classes, mainClass,
                emulator.properties(dir, subjectOf(mainClass)).toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
        String first = lines.readLine();
        emulator.revoke();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write("revoked\n".getBytes(UTF_8));
        }
        StringBuilder output = new StringBuilder(first).append('\n');
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            output.append(line).append('\n');
        }
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), mainClass + " finished");
        assertEquals(0, process.exitValue(), output.toString());
        return output.toString();
    }

    private static String subjectOf(String mainClass) {
        return mainClass.equals("UrlConnectionExample") ? Emulator.EXAMPLE_USERS[0] : Emulator.EXAMPLE_USERS[1];
    }

    @Test
    void httpUrlConnectionSurvivesARevokedSessionWithOneNewLogin(@TempDir Path dir) throws Exception {
        Path classes = javac(dir, 8, EXAMPLES.resolve("http/UrlConnectionExample.java"));
        String output = runRevokedMidway(dir, classes, "UrlConnectionExample");
        assertTrue(output.contains("query: HTTP 200, 5 records"), output);
        assertTrue(output.contains("query again: HTTP 200, 5 records"), output);
        // PATCH through HttpURLConnection: POST with ?_HttpMethod=PATCH.
        assertTrue(output.contains("update: HTTP 204"), output);
        assertTrue(output.contains("read back: Industry=Energy"), output);
        assertEquals(2, emulator.logins(Emulator.EXAMPLE_USERS[0]), "one login, one after the revocation");
        assertFalse(output.contains("00D"), "no session id in the output");
    }

    @Test
    void java11HttpClientSurvivesARevokedSessionWithOneNewLogin(@TempDir Path dir) throws Exception {
        Path classes = javac(dir, 11, EXAMPLES.resolve("http/HttpClientExample.java"));
        String output = runRevokedMidway(dir, classes, "HttpClientExample");
        assertTrue(output.contains("query: HTTP 200, 5 records"), output);
        assertTrue(output.contains("query again: HTTP 200, 5 records"), output);
        assertTrue(output.contains("missing record: HTTP 404"), output);
        assertEquals(2, emulator.logins(Emulator.EXAMPLE_USERS[1]), "one login, one after the revocation");
    }

    /**
     * The Talend routine, compiled against the jar and run in this JVM: a change of the job's
     * secret settings (here the key password, spelled out) replaces the identity's client and
     * closes the old one, and what the routine keeps for the JVM's lifetime holds no password.
     */
    @Test
    void talendRoutineClosesTheClientItReplacesAndKeepsNoPassword(@TempDir Path dir) throws Exception {
        Path classes = javac(dir, 8, EXAMPLES.resolve("talend/routines/SalesforceJwt.java"));
        String user = Emulator.EXAMPLE_USERS[3];
        Properties context = new Properties();
        context.setProperty("sfjwt_issuer", Emulator.JKS_APP);
        context.setProperty("sfjwt_subject", user);
        context.setProperty("sfjwt_login_url", emulator.baseUrl());
        context.setProperty("sfjwt_ca_file", emulator.caFile.toString());
        context.setProperty("sfjwt_keystore_path", Emulator.fixture("jks-same.jks").toString());
        context.setProperty("sfjwt_keystore_password", "changeit1");
        context.setProperty("sfjwt_key_alias", "talend_certificate");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ExamplesIT.class.getClassLoader())) {
            Class<?> routine = loader.loadClass("routines.SalesforceJwt");
            Method login = routine.getMethod("login", Properties.class, String.class);
            int before = NativeHandle.registered();
            AccessToken first = (AccessToken) login.invoke(null, context, "sfjwt_");
            assertSame(first, login.invoke(null, context, "sfjwt_"), "the same client: the same token");
            assertEquals(before + 1, NativeHandle.registered());

            context.setProperty("sfjwt_key_password", "changeit1");
            AccessToken second = (AccessToken) login.invoke(null, context, "sfjwt_");
            assertEquals(before + 1, NativeHandle.registered(), "the replaced client is closed");
            assertEquals(first.getAccessToken(), second.getAccessToken(), "the new client shares the cached token");
            assertEquals(1, emulator.logins(user));

            Field clients = routine.getDeclaredField("CLIENTS");
            clients.setAccessible(true);
            String kept = String.valueOf(clients.get(null));
            assertFalse(kept.contains("changeit1"), "a password in the routine's map");
        }
    }

    /**
     * The Talend routine and the tJava snippet, compiled as Talend Studio compiles a job: the
     * routine in package {@code routines}, the snippet inside the job's generated code, where
     * {@code context} is a {@code java.util.Properties} with the context variables as fields too,
     * and {@code globalMap} a map. The keystore is a resource of the job's own jar.
     */
    @Test
    void talendRoutineAndTJavaSnippetLogInOnceForTheWholeJob(@TempDir Path dir) throws Exception {
        String snippet = new String(Files.readAllBytes(EXAMPLES.resolve("talend/tJava_salesforce_login.txt")), UTF_8);
        String job = "package demo.salesforce_load_0_1;\n"
                + "public class salesforce_load {\n"
                + "  static class ContextProperties extends java.util.Properties {\n"
                + "    public String sfjwt_issuer, sfjwt_subject, sfjwt_login_url, sfjwt_ca_file,\n"
                + "        sfjwt_keystore_resource, sfjwt_keystore_password, sfjwt_key_alias;\n"
                + "    void synchronizeContext() {\n"
                + "      for (java.lang.reflect.Field f : getClass().getDeclaredFields()) {\n"
                + "        try { if (f.get(this) != null) setProperty(f.getName(), (String) f.get(this)); }\n"
                + "        catch (IllegalAccessException e) { throw new RuntimeException(e); }\n"
                + "      }\n"
                + "    }\n"
                + "  }\n"
                + "  final ContextProperties context = new ContextProperties();\n"
                + "  final java.util.Map<String, Object> globalMap = new java.util.HashMap<String, Object>();\n"
                + "  public void tJava_1Process() throws Exception {\n"
                + snippet
                + "\n  }\n"
                + "  public static void main(String[] args) throws Exception {\n"
                + "    salesforce_load job = new salesforce_load();\n"
                + "    job.context.sfjwt_issuer = System.getProperty(\"issuer\");\n"
                + "    job.context.sfjwt_subject = System.getProperty(\"subject\");\n"
                + "    job.context.sfjwt_login_url = System.getProperty(\"login_url\");\n"
                + "    job.context.sfjwt_ca_file = System.getProperty(\"ca_file\");\n"
                + "    job.context.sfjwt_keystore_resource = \"keys/salesforce.jks\";\n"
                + "    job.context.sfjwt_keystore_password = \"changeit1\";\n"
                + "    job.context.sfjwt_key_alias = \"talend_certificate\";\n"
                + "    job.context.synchronizeContext();\n"
                + "    job.tJava_1Process();\n"
                + "    job.tJava_1Process();\n"
                + "    System.out.println(\"globalMap keys: \" + new java.util.TreeSet<String>(job.globalMap.keySet()));\n"
                + "    String session = (String) job.globalMap.get(\"SFJWT_SESSION_ID\");\n"
                + "    System.out.println(\"session id looks like one: \" + session.startsWith(\"00D\"));\n"
                + "    System.out.println(\"endpoint: \" + job.globalMap.get(\"SFJWT_SERVICE_ENDPOINT\"));\n"
                + "  }\n"
                + "}\n";
        Path jobSource = Files.createDirectories(dir.resolve("src/demo/salesforce_load_0_1")).resolve("salesforce_load.java");
        Files.write(jobSource, job.getBytes(UTF_8));
        Path classes = javac(dir, 8, EXAMPLES.resolve("talend/routines/SalesforceJwt.java"), jobSource);
        // The job's jar carries the keystore.
        Path keys = Files.createDirectories(classes.resolve("keys"));
        Files.copy(Emulator.fixture("jks-same.jks"), keys.resolve("salesforce.jks"));

        String user = Emulator.EXAMPLE_USERS[2];
        String output = run(Arrays.asList(jdkTool("java").toString(),
                "-Dissuer=" + Emulator.JKS_APP, "-Dsubject=" + user, "-Dlogin_url=" + emulator.baseUrl(),
                "-Dca_file=" + emulator.caFile,
                "-cp", JAR + File.pathSeparator + classes, "demo.salesforce_load_0_1.salesforce_load"));
        assertTrue(output.contains("Salesforce session for " + emulator.baseUrl()), output);
        assertTrue(output.contains("globalMap keys: [SFJWT_INSTANCE_URL, SFJWT_SERVICE_ENDPOINT, SFJWT_SESSION_ID]"),
                output);
        assertTrue(output.contains("session id looks like one: true"), output);
        assertTrue(output.contains("endpoint: " + emulator.baseUrl() + "/services/Soap/u/62.0"), output);
        assertEquals(1, emulator.logins(user), "two tJava runs, one login");
    }
}
