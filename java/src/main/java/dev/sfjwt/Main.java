// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Paths;

/**
 * The jar's entry point: {@code java -jar sfjwt-<version>.jar test-connection conn.properties}
 * prints the connection report and exits with 0 when the connection works, else with the
 * error's code ({@link ErrorCode#value()}: 12 for a wrong keystore password, 30 for a refused
 * login, ...), 2 for a usage error, or 3 when the native library cannot be loaded (such as
 * {@link UnsupportedPlatformException}).
 */
public final class Main {
    private static final int USAGE = 2;
    private static final int NO_NATIVE_LIBRARY = 3;

    private Main() {
    }

    /**
     * Runs the command and exits.
     *
     * @param args {@code test-connection <file.properties>}
     */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            usage(out);
            return 0;
        }
        if (args.length != 2 || !args[0].equals("test-connection")) {
            usage(err);
            return USAGE;
        }
        SalesforceJwtConfig config;
        try {
            config = SalesforceJwtConfig.fromProperties(Paths.get(args[1]));
        } catch (IOException e) {
            err.println("sfjwt: cannot read " + args[1] + ": " + e);
            return ErrorCode.CONFIG.value();
        }
        try {
            ConnectionReport report = SalesforceJwtClient.testConnection(config);
            out.print(report);
            return report.isOk() ? 0 : exitCode(report.getError());
        } catch (SfJwtException e) {
            err.println("sfjwt: " + e.getMessage());
            return e.getCode().value();
        } catch (UnsatisfiedLinkError e) {
            // The first use of the library: UnsupportedPlatformException, or a library that
            // does not load (-Dsfjwt.library.path naming a wrong file, a too old glibc, ...).
            err.println(e instanceof UnsupportedPlatformException ? e.getMessage() : "sfjwt: " + e.getMessage());
            return NO_NATIVE_LIBRARY;
        } finally {
            config.clearPasswords();
        }
    }

    private static int exitCode(SfJwtException error) {
        return error == null ? ErrorCode.INTERNAL.value() : error.getCode().value();
    }

    private static void usage(PrintStream stream) {
        stream.println("usage: java -jar sfjwt.jar test-connection <conn.properties>");
        stream.println();
        stream.println("Tests a Salesforce JWT Bearer login: load key, sign assertion, token request,");
        stream.println("identity, API versions. The file uses the sfjwt keys (issuer, subject, audience,");
        stream.println("keystore_path, keystore_password, key_alias, ...). Exit status: 0 when the");
        stream.println("connection works, else the error code (12 wrong keystore password, 30 login");
        stream.println("refused by Salesforce, ...), 3 when the native library cannot be loaded.");
    }
}
