// Contracts for collateral positions shared by the lending risk functions.
import { z } from 'zod';

export const Asset = z.string().min(1).max(20);
export const Amount = z.number().finite().nonnegative().max(1e15);
export const PriceUsd = z.number().finite().nonnegative().max(1e12);
export const UsdAmount = z.number().finite().nonnegative().max(1e15);
/** A share of collateral value in [0, 1], e.g. Aave's liquidation threshold 0.825 for ETH. */
export const Share = z.number().finite().min(0).max(1);
