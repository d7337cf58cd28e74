import { Injectable, PipeTransform } from '@nestjs/common';
import { type Address, getAddress, isAddress } from 'viem';

import { InvalidAddressError } from '../token/token.errors';

/** A route parameter that must be a wallet address; answered in its checksummed form. */
@Injectable()
export class AddressPipe implements PipeTransform<string, Address> {
  transform(value: string): Address {
    if (!isAddress(value, { strict: false })) throw new InvalidAddressError('address');
    return getAddress(value);
  }
}
