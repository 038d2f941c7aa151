/**
 * Managed DLP engines: Amazon Bedrock Guardrails ({@code ApplyGuardrail}) and Amazon Comprehend
 * ({@code DetectPiiEntities}), called through the AWS SDK v2 for the policies of a gateway's {@code dlp} setting that
 * name them ({@link io.aigateway.dlpengine.EngineSpec}).
 * <p>
 * {@link io.aigateway.dlpengine.ManagedEngines} starts one call per engine on a virtual thread and waits for each at
 * most its timeout; results are {@link io.aigateway.dlpengine.EngineResult}s: findings with positions (Comprehend),
 * finding types without (a guardrail's assessments), or a failure with a reason safe to show. Only
 * {@code GuardrailCaller} and {@code ComprehendCaller} touch the two SDK modules, and they are created on first use:
 * a process whose gateways name no engine never loads them.
 */
package io.aigateway.dlpengine;
