import { KMSClient } from '@aws-sdk/client-kms';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { CircuitBreakerModule } from '../circuit-breaker/circuit-breaker.module';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { AppConfigService } from '../config/app-config.service';
import { WalletAuditService } from './audit/wallet-audit.service';
import { WalletAuditLogRepository } from './audit/wallet-audit-log.repository';
import { FernetKeyring } from './crypto/fernet';
import { FERNET_KEYRING, KeyVault, KMS_ENVELOPE } from './crypto/key-vault';
import { isKmsOutage, KmsEnvelope } from './crypto/kms-envelope';
import { CustodyReencryption } from './custody-reencryption.service';
import { CustodyImport } from './import/custody-import.service';
import { ImportLedger } from './import/import-ledger.repository';
import { PythonAuditCopy } from './import/python-audit-copy';
import { PythonWalletImport } from './import/python-wallet-import';
import { WalletAuditLog } from './wallet-audit-log.entity';
import { WalletCustody } from './wallet-custody.entity';
import { WalletCustodyRepository } from './wallet-custody.repository';
import { WalletCustodyService } from './wallet-custody.service';

/** A KMS call that has not answered in this long counts as failed (and against the breaker). */
const KMS_TIMEOUT_MS = 5_000;

/**
 * Custodial wallets and their audit trail. Keys are sealed with Fernet
 * (`WALLET_ENCRYPTION_KEY`) or, with `KMS_ENABLED`, by KMS envelope encryption.
 * Owns `wallet_custody` and `wallet_audit_logs`, a repository each: the trail is an aggregate
 * of its own (one hash chain over every row, appended under one lock, rows that name no
 * wallet), yet a custody change and its audit entry commit in one transaction given to both.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WalletAuditLog, WalletCustody]), CircuitBreakerModule],
  providers: [
    {
      provide: FERNET_KEYRING,
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => new FernetKeyring(config.get('security').walletEncryptionKeys),
    },
    {
      provide: KMS_ENVELOPE,
      inject: [AppConfigService, CircuitBreakerRegistry],
      useFactory: (config: AppConfigService, breakers: CircuitBreakerRegistry): KmsEnvelope | null => {
        const kms = config.get('security').kms;
        if (!kms.enabled || kms.keyId === undefined) return null;
        const client = new KMSClient({
          region: kms.region ?? 'us-east-1',
          endpoint: kms.endpoint,
          // One retry: the breaker, not the SDK, decides when KMS is down.
          maxAttempts: 2,
          requestHandler: { requestTimeout: KMS_TIMEOUT_MS, connectionTimeout: KMS_TIMEOUT_MS },
        });
        return new KmsEnvelope(client, kms.keyId, breakers.register('kms', isKmsOutage));
      },
    },
    KeyVault,
    WalletAuditLogRepository,
    WalletAuditService,
    WalletCustodyRepository,
    WalletCustodyService,
    CustodyReencryption,
    ImportLedger,
    PythonWalletImport,
    PythonAuditCopy,
    CustodyImport,
  ],
  exports: [CustodyImport, CustodyReencryption, WalletCustodyService, WalletAuditService, KeyVault],
})
export class CustodyModule {}
