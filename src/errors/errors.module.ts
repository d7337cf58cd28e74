import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AllExceptionsFilter } from './all-exceptions.filter';
import { ErrorLog } from './error-log.entity';
import { ErrorLogRepository } from './error-log.repository';
import { ErrorLogService } from './error-log.service';

@Module({
  imports: [TypeOrmModule.forFeature([ErrorLog])],
  providers: [ErrorLogRepository, ErrorLogService, { provide: APP_FILTER, useClass: AllExceptionsFilter }],
  // The repository too, for the admin API's reads of error_logs.
  exports: [ErrorLogService, ErrorLogRepository],
})
export class ErrorsModule {}
