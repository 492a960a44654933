// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * External Client Apps on a My Domain: {@code myDomain} alone logs in to the emulator's ECA and
 * to its connected app, counting the token requests each login takes in the emulator's log.
 */
class ExternalClientAppTest extends EmulatorTestBase {

    /** Only myDomain, issuer, subject and the keystore (and the emulator's CA). */
    private static SalesforceJwtConfig.Builder myDomainOnly(String issuer, String subject) {
        return SalesforceJwtConfig.builder()
                .myDomain(emulator.myDomainUrl())
                .issuer(issuer)
                .subject(subject)
                .keystorePath(Emulator.fixture("jks-same.jks"))
                .keystorePassword(Emulator.STORE_PASSWORD)
                .caFile(emulator.caFile)
                .retries(0);
    }

    @Test
    void myDomainAloneLogsInToAnExternalClientAppWithOneRequestPerLogin() throws Exception {
        String user = Emulator.MY_DOMAIN_USERS[0];
        try (SalesforceJwtClient client = new SalesforceJwtClient(myDomainOnly(Emulator.ECA_APP, user).build())) {
            AccessToken token = client.token();
            assertEquals(emulator.myDomainUrl(), token.getInstanceUrl());
            assertEquals(1, emulator.tokenRequests(user));
            client.invalidate();
            client.token();
            assertEquals(2, emulator.tokenRequests(user));
        }
    }

    @Test
    void theSameSettingsLogInToAConnectedAppWithTwoRequestsThenOne() throws Exception {
        String user = Emulator.MY_DOMAIN_USERS[1];
        try (SalesforceJwtClient client = new SalesforceJwtClient(myDomainOnly(Emulator.JKS_APP, user).build())) {
            assertEquals(emulator.myDomainUrl(), client.token().getInstanceUrl());
            assertEquals(2, emulator.tokenRequests(user), "the My Domain refused as audience, then login");
            client.invalidate();
            client.token();
            assertEquals(3, emulator.tokenRequests(user), "the client remembers that login worked");
        }
    }

    @Test
    void anExplicitGenericAudienceIsRefusedAfterOneRequestWithAHintNamingMyDomain() throws Exception {
        String user = Emulator.MY_DOMAIN_USERS[2];
        SalesforceJwtConfig config =
                myDomainOnly(Emulator.ECA_APP, user).audience("https://login.salesforce.com").build();
        try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
            SfJwtException e = assertThrows(SfJwtException.class, client::token);
            assertEquals(ErrorCode.AUTH_REJECTED, e.getCode());
            assertEquals("app_not_found", e.getSalesforceError());
            assertEquals("External client app is not installed in this org", e.getSalesforceErrorDescription());
            assertEquals(400, e.getHttpStatus());
            assertTrue(e.getHint().contains("my_domain"), e.getHint());
            assertEquals(1, emulator.tokenRequests(user));
        }
    }

    @Test
    void theConnectionTestReportsEachTokenRequest() throws Exception {
        ConnectionReport report = SalesforceJwtClient.testConnection(
                myDomainOnly(Emulator.JKS_APP, Emulator.USER).build());
        assertTrue(report.isOk(), report.toString());
        ConnectionReport.Step step = report.getSteps().get(2);
        assertEquals("token request", step.getName());
        assertTrue(step.getDetail().contains("audience is invalid"), step.getDetail());
        assertTrue(step.getDetail().contains("aud https://login.salesforce.com: token"), step.getDetail());
    }
}
