// Copyright sfjwt contributors. Licensed under Apache-2.0.

import dev.sfjwt.SalesforceConnections;
import dev.sfjwt.SalesforceJwtClient;
import dev.sfjwt.SalesforceJwtConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Salesforce REST over HttpURLConnection (Java 8): a query, then, after a line on stdin (a
 * session revoked meanwhile, say), the same query again and an update of the first Account.
 * Usage: {@code java UrlConnectionExample connection.properties}.
 */
public class UrlConnectionExample {
    public static void main(String[] args) throws Exception {
        String query = "/services/data/v62.0/query?q=SELECT+Id,Name+FROM+Account+ORDER+BY+Name";
        try (SalesforceJwtClient client = new SalesforceJwtClient(SalesforceJwtConfig.fromProperties(Paths.get(args[0])))) {
            SalesforceConnections.Response first = SalesforceConnections.request(client, "GET", query, null, null);
            System.out.println("query: HTTP " + first.getStatus() + ", " + totalSize(first.getBodyText()) + " records");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();

            SalesforceConnections.Response again = SalesforceConnections.request(client, "GET", query, null, null);
            System.out.println("query again: HTTP " + again.getStatus() + ", " + totalSize(again.getBodyText()) + " records");
            Matcher id = Pattern.compile("\"Id\"\\s*:\\s*\"(001\\w+)\"").matcher(again.getBodyText());
            if (!id.find()) {
                throw new IllegalStateException("no Account id in " + again);
            }
            byte[] update = "{\"Industry\":\"Energy\"}".getBytes(StandardCharsets.UTF_8);
            SalesforceConnections.Response patched = SalesforceConnections.request(client, "PATCH",
                    "/services/data/v62.0/sobjects/Account/" + id.group(1), update, "application/json");
            System.out.println("update: HTTP " + patched.getStatus());
            SalesforceConnections.Response read = SalesforceConnections.request(client, "GET",
                    "/services/data/v62.0/sobjects/Account/" + id.group(1) + "?fields=Industry", null, null);
            System.out.println("read back: " + read.getBodyText().replaceAll(".*\"Industry\"\\s*:\\s*\"(\\w+)\".*", "Industry=$1"));
        }
    }

    private static String totalSize(String json) {
        Matcher size = Pattern.compile("\"totalSize\"\\s*:\\s*(\\d+)").matcher(json);
        return size.find() ? size.group(1) : "?";
    }
}
