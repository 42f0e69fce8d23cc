// Contracts for collateral positions shared by the lending risk functions; their numeric ranges are in ../bounds.ts.
import { z } from 'zod';

export const Asset = z.string().min(1).max(20);
