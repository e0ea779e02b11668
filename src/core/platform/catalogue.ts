// Built-in platforms. Force10-S6000 is the SKU docker-sonic-vs runs: 32 × 40G, the lanes and
// aliases of SONiC's port_config.ini for that SKU (as a SONiC VM reports them).
import type { PortDef, Platform } from '../model.ts';

const S6000_LANES = [
  '25,26,27,28', '29,30,31,32', '33,34,35,36', '37,38,39,40', '45,46,47,48', '41,42,43,44',
  '1,2,3,4', '5,6,7,8', '13,14,15,16', '9,10,11,12', '17,18,19,20', '21,22,23,24',
  '53,54,55,56', '49,50,51,52', '57,58,59,60', '61,62,63,64', '69,70,71,72', '65,66,67,68',
  '73,74,75,76', '77,78,79,80', '109,110,111,112', '105,106,107,108', '113,114,115,116',
  '117,118,119,120', '125,126,127,128', '121,122,123,124', '81,82,83,84', '85,86,87,88',
  '93,94,95,96', '89,90,91,92', '101,102,103,104', '97,98,99,100',
];

export function makePlatform(name: string, speed: number, ports: readonly PortDef[]): Platform {
  return { name, speed, ports, portsByName: new Map(ports.map((p) => [p.name, p])) };
}

const force10S6000 = makePlatform(
  'Force10-S6000',
  40000,
  S6000_LANES.map((lanes, i) => ({ name: `Ethernet${i * 4}`, alias: `fortyGigE0/${i * 4}`, lanes, index: i, speed: 40000 })),
);

export const BUILTIN_PLATFORMS: ReadonlyMap<string, Platform> = new Map([[force10S6000.name, force10S6000]]);

export const DEFAULT_HWSKU = 'Force10-S6000';
